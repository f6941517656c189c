"""A grounded answer from a base model, checked before anyone sees it.

The bundled model is a 270M *base* model: asked in a chat format it echoes its instructions
or invents figures. So a grounded question reaches it as a few-shot completion
(:mod:`prompts.fewshot`), decoded greedily, and its one-line answer is checked
(:func:`prompts.verify.check_answer`): every number must be in the data and each source's
main figure must be stated. An answer that fails is not shown as if it were right:

1. ``model``: the free answer passed;
2. ``model-constrained``: one retry under a grammar built from the data
   (:mod:`prompts.answer_grammar`: only the data's figures with their units, the asked
   figures first, one sentence) that also passes over phrases the data contradicts
   (:mod:`prompts.answer_bans`), and that passed;
3. ``program``: a short answer composed from the facts (:mod:`prompts.composed`), labelled.

An embedded answer is one short line, so it is shown once checked rather than streamed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.llm.events import Reply, TokenUsage
from prompts.composed import program_answer
from prompts.answer_bans import contradicting_phrases
from prompts.answer_grammar import answer_grammar
from prompts.fewshot import ANSWER_STOPS, completion_prompt
from prompts.packer import PackedContext
from prompts.verify import AnswerCheck, check_answer

AnswerSource = Literal["model", "model-constrained", "program"]

# One sentence or two; the examples are about 40 tokens long. The constrained retry's grammar
# bounds its one sentence in characters, so it ends inside the same limit.
ANSWER_MAX_TOKENS = 96
# The constrained retry ends its sentence where a full stop scores within this many logits of
# the best token the grammar allows: past the asked figures a 270M model mostly rambles.
END_BIAS = 2.0
# /retry asks for a different answer: greedy decoding would repeat the last one exactly.
RESAMPLE_TEMPERATURE = 0.7


class TextCompleter(Protocol):
    """What this needs of a backend (the embedded one has it)."""

    model: str

    def complete_text(self, prompt: str, *, max_tokens: int, stop: list[str], temperature: float = 0.0,
                      grammar: str | None = None, seed: int | None = None, context: str = "",
                      banned: Sequence[str] = (), end_bias: float = 0.0) -> object: ...


@dataclass(frozen=True)
class EmbeddedAnswer:
    reply: Reply
    source: AnswerSource
    check: AnswerCheck  # of the answer shown (program answers pass by construction)
    attempts: list[str]  # what the model wrote, in order, for --debug and the benchmark


def answer_grounded(backend: TextCompleter, packed: PackedContext, question: str, lang: str, *,
                    terse: bool = False, resample: bool = False, constrained_retry: bool = True,
                    on_status: Callable[[str], None] = lambda _s: None) -> EmbeddedAnswer:
    """The checked answer to ``question`` over ``packed``; never an unchecked model text."""
    prompt = completion_prompt(packed.text, question, lang, terse=terse)
    context = f"few-shot-{lang}{'-terse' if terse else ''}"  # one llama.cpp context per prefix
    attempts: list[str] = []
    prompt_tokens = completion_tokens = 0

    def attempt(max_tokens: int = ANSWER_MAX_TOKENS, **kwargs: object) -> tuple[str, AnswerCheck]:
        nonlocal prompt_tokens, completion_tokens
        out = backend.complete_text(prompt, max_tokens=max_tokens, stop=ANSWER_STOPS, context=context,
                                    **kwargs)  # type: ignore[arg-type]
        text = _first_line(str(getattr(out, "text", "")))
        if getattr(out, "finish_reason", "stop") == "length":
            text = complete_sentences(text)  # an answer cut off mid-word is not shown as one
        prompt_tokens += int(getattr(out, "prompt_tokens", 0))
        completion_tokens += int(getattr(out, "completion_tokens", 0))
        attempts.append(text)
        # Checked as the model wrote it (its language, its own citation), then cited.
        return with_citation(text, packed, lang), check_answer(text, packed)

    on_status("writing")
    if resample:
        text, check = attempt(temperature=RESAMPLE_TEMPERATURE, seed=random.randrange(2**31))
    else:
        text, check = attempt()
    source: AnswerSource = "model"
    if not check.ok and constrained_retry:
        on_status("checking")
        text, check = attempt(grammar=answer_grammar(packed, lang, question), banned=contradicting_phrases(packed),
                              end_bias=END_BIAS)
        source = "model-constrained"
    if not check.ok:
        text, source = program_answer(packed, lang), "program"
        check = AnswerCheck()
    usage = TokenUsage(prompt_tokens, completion_tokens) if prompt_tokens else None
    model = backend.model if source != "program" else "briefbot"
    reply = Reply(text=text, model=model, status="complete", finish_reason=source, usage=usage)
    return EmbeddedAnswer(reply=reply, source=source, check=check, attempts=attempts)


def with_citation(text: str, packed: PackedContext, lang: str) -> str:
    """The answer with its sources and as-of times appended by the program.

    The examples end before the citation: a 270M model copied the examples' source names
    ("Yahoo Finance" over Upbit data) far more often than the data's. The program knows them.
    """
    if not text or not packed.sources:
        return text
    cited: list[str] = []
    for ref in packed.sources:
        label = ref.source.split(" (")[0]
        when = f"{ref.as_of_text} 기준" if lang == "ko" else f"as of {ref.as_of_text}"
        entry = f"{label}, {when}"
        if entry not in cited and label.lower() not in text.lower():
            cited.append(entry)
    return f"{text.rstrip('.')} ({'; '.join(cited)})." if cited else text


_SENTENCE_END = re.compile(r"[.!?。](?=\s|$)")


def complete_sentences(text: str) -> str:
    """``text`` up to its last complete sentence ("" if none): decimals never end one."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    return text[: ends[-1]].strip() if ends else ""


def _first_line(text: str) -> str:
    """The answer line only: a base model may run on into a new example."""
    return text.strip().split("\n", 1)[0].strip()
