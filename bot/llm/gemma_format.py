"""Chat messages -> a Gemma turn-format prompt, for GGUF models without a chat template.

Gemma has no system role: system messages are folded into the next user turn, which is what
Google's own template does. A system message added mid-conversation (chat ``/system``) is
carried into every later user turn, so the rule stays in effect.
"""

from __future__ import annotations

import re
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


# A base model may start its turn by repeating the instructions it was given, or write a
# data fence of its own; neither is ever part of an answer, so either ends the turn before it
# is shown. (The fence markers are the packer's: prompts.packer FENCE_OPEN / FENCE_CLOSE.)
# The echo is often loose after its first words ("You are briefbot. You answer ..." for "You
# are briefbot, an assistant ..."), so the stop is the opening clause, long enough (12+
# characters) never to occur in an answer by chance.
_ECHO_MIN_CHARS = 12
_ECHO_MAX_CHARS = 32
_FENCE_STOPS = ["<<<DATA", "<<<END DATA"]


def _opening_clause(text: str) -> str | None:
    first_line = text.strip().split("\n", 1)[0].strip()
    clause = re.split(r"[.,:;!?。]", first_line, maxsplit=1)[0].strip()
    if len(clause) < _ECHO_MIN_CHARS:
        clause = first_line[:_ECHO_MAX_CHARS]
    return clause[:_ECHO_MAX_CHARS] if len(clause) >= _ECHO_MIN_CHARS else None


def stop_sequences(messages: Sequence[dict[str, Any]]) -> list[str]:
    """The turn-end stops, the data fences, and the opening clause of every system message."""
    echoes = [_opening_clause(str(m.get("content") or "")) for m in messages if m.get("role") in ("system", "developer")]
    return [*STOP_SEQUENCES, *_FENCE_STOPS, *dict.fromkeys(e for e in echoes if e)]
