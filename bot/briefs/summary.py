"""The one model call of a brief: packed data + the brief's instructions → a short summary.

Kept in this single function so the way a brief talks to the model (chat messages today;
a few-shot completion prompt for the embedded base model, later) changes in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.llm.backend import ChatBackend
    from prompts.packer import PackedContext

LANGUAGE_NAMES = {"ko": "Korean (한국어)", "en": "English"}


@dataclass(frozen=True)
class Summary:
    text: str
    prompt_tokens: int
    completion_tokens: int
    estimated: bool  # the backend sent no usage: counted locally


def summarize(backend: ChatBackend, packed: PackedContext, instructions: str, lang: str, *,
              max_tokens: int | None = None, temperature: float | None = None) -> Summary:
    """One call; raises the LLM layer's own errors (the runner records them as a missing summary)."""
    system = instructions.replace("{language}", LANGUAGE_NAMES.get(lang, lang)).strip()
    messages = [{"role": "system", "content": system}, {"role": "user", "content": packed.text}]
    completion = backend.complete(messages, max_tokens=max_tokens or backend.default_max_tokens, temperature=temperature)
    text = (completion.choices[0].message.content or "").strip() if completion.choices else ""
    usage = completion.usage
    if usage is not None:
        return Summary(text, int(usage.prompt_tokens), int(usage.completion_tokens), estimated=False)
    return Summary(text, backend.count_prompt_tokens(messages), backend.count_text_tokens(text), estimated=True)
