"""Chat messages -> a Gemma turn-format prompt, for GGUF models without a chat template.

Gemma has no system role: system messages are folded into the next user turn, which is what
Google's own template does. A system message added mid-conversation (chat ``/system``) is
carried into every later user turn, so the rule stays in effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

START = "<start_of_turn>"
END = "<end_of_turn>"
# A base model does not know when its turn ends; besides the turn markers, a blank line is
# where a short factual answer is over and a 270M model's rambling begins.
STOP_SEQUENCES = [END, START, "\n<start_of_turn", "\nuser\n", "\nUser:", "\n\n"]


def render(messages: Sequence[dict[str, Any]]) -> str:
    parts: list[str] = []
    pending_system: list[str] = []
    for message in messages:
        role = message.get("role")
        content = str(message.get("content") or "")
        if role in ("system", "developer"):
            pending_system.append(content.strip())
        elif role == "user":
            text = content.strip()
            if pending_system:
                text = "\n\n".join([*pending_system, text])
                pending_system = []
            parts.append(f"{START}user\n{text}{END}\n")
        elif role == "assistant":
            parts.append(f"{START}model\n{content.strip()}{END}\n")
        # tool messages carry data for tool-calling models; the embedded path never sends them.
    if pending_system:
        parts.append(f"{START}user\n" + "\n\n".join(pending_system) + f"{END}\n")
    parts.append(f"{START}model\n")
    return "".join(parts)
