"""The one model call of a brief: packed data + the brief's instructions → a short summary.

A chat model gets the brief's instructions as a system message. A base model (the embedded
Gemma 270M) cannot follow instructions: it is asked for the summary the way it answers any
grounded question, by few-shot completion checked before use (:mod:`bot.embedded_answer`);
a summary that fails the check is left out and the brief says so, with its figures intact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.llm.backend import ChatBackend
    from prompts.packer import PackedContext

LANGUAGE_NAMES = {"ko": "Korean (한국어)", "en": "English"}
# What a base model is asked: its examples answer questions, so the summary is one.
SUMMARY_QUESTION = {"ko": "오늘 브리핑을 요약해 주세요", "en": "Summarize today's brief"}


@dataclass(frozen=True)
class Summary:
    text: str
    prompt_tokens: int
    completion_tokens: int
    estimated: bool  # the backend sent no usage: counted locally
    problem: str | None = None  # why ``text`` is empty though the model answered


def summarize(backend: ChatBackend, packed: PackedContext, instructions: str, lang: str, *,
              max_tokens: int | None = None, temperature: float | None = None) -> Summary:
    """One call; raises the LLM layer's own errors (the runner records them as a missing summary)."""
    if getattr(backend, "is_base_model", False):
        return _summarize_few_shot(backend, packed, lang)
    system = instructions.replace("{language}", LANGUAGE_NAMES.get(lang, lang)).strip()
    messages = [{"role": "system", "content": system}, {"role": "user", "content": packed.text}]
    completion = backend.complete(messages, max_tokens=max_tokens or backend.default_max_tokens, temperature=temperature)
    text = (completion.choices[0].message.content or "").strip() if completion.choices else ""
    problem = None
    if not text:
        problem = "the model wrote nothing"
    elif repeats(text, system):
        # A base model (the embedded Gemma 270M) continues the prompt rather than following
        # it; its echo of the instructions is not a summary and must not be sent as one.
        text, problem = "", "the model only repeated its instructions"
    usage = completion.usage
    if usage is not None:
        return Summary(text, int(usage.prompt_tokens), int(usage.completion_tokens), estimated=False, problem=problem)
    return Summary(text, backend.count_prompt_tokens(messages), backend.count_text_tokens(text), estimated=True, problem=problem)


def repeats(text: str, instructions: str) -> bool:
    """Whether ``text`` opens with a run of eight or more words copied from ``instructions``."""
    words = text.split()
    if len(words) < 8:
        return False
    return " ".join(words[:8]).lower() in " ".join(instructions.split()).lower()


def _summarize_few_shot(backend: ChatBackend, packed: PackedContext, lang: str) -> Summary:
    from bot.embedded_answer import answer_grounded

    out = answer_grounded(backend, packed, SUMMARY_QUESTION.get(lang, SUMMARY_QUESTION["en"]), lang)  # type: ignore[arg-type]
    usage = out.reply.usage
    prompt_tokens, completion_tokens = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
    if out.source == "program":
        # The program's composed answer would only repeat the figures that follow it.
        return Summary("", prompt_tokens, completion_tokens, estimated=False,
                       problem="the embedded model's summary did not pass the figure check")
    return Summary(out.reply.text, prompt_tokens, completion_tokens, estimated=False)
