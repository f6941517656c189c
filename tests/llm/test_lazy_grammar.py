"""The lazy grammar filter on the real model: llama.cpp's grammar decides, asked less often."""

from __future__ import annotations

from pathlib import Path

import pytest

from prompts.answer_grammar import answer_grammar, required_figures
from prompts.fewshot import ANSWER_STOPS, completion_prompt
from tests.answers.test_checked_answers import turn_for

pytestmark = pytest.mark.model


@pytest.mark.parametrize("qid", ["ko-eth", "en-samsung"])
def test_greedy_answers_match_llama_cpp_full_grammar_sampling(embedded_model: Path, qid: str) -> None:
    from llama_cpp import LogitsProcessorList
    from llama_cpp.llama_grammar import LlamaGrammar

    from bot.llm.lazy_grammar import GreedyGrammarFilter
    from bot.llm.local_backend import load_llama

    turn = turn_for(qid)
    grammar = answer_grammar(turn.packed, turn.lang, turn.question)
    prompt = completion_prompt(turn.packed.text, turn.question, turn.lang)
    llm = load_llama(embedded_model, n_ctx=2048, n_threads=2)
    common = {"max_tokens": 32, "stop": ANSWER_STOPS, "temperature": 0.0, "top_k": 1, "repeat_penalty": 1.0}
    # Both from an empty KV cache: a prefix reused in other batch sizes shifts logits by
    # rounding, enough to flip a near-tie between two words.
    full = llm.create_completion(prompt, grammar=LlamaGrammar.from_string(grammar, verbose=False), **common)
    llm.reset()
    lazy = GreedyGrammarFilter(llm, grammar, prompt_tokens=len(llm.tokenize(prompt.encode("utf-8"), special=True)))
    try:
        checked = llm.create_completion(prompt, logits_processor=LogitsProcessorList([lazy]), **common)
    finally:
        lazy.close()
    text = checked["choices"][0]["text"]  # type: ignore[index]
    assert text == full["choices"][0]["text"]  # type: ignore[index]
    # The grammar held: the asked figure comes first, and no markup.
    first = required_figures(turn.packed)[0]
    assert any(f.text in text for f in first), text
    assert "<" not in text and "*" not in text
    # ...and llama.cpp judged the whole vocabulary for only some of the tokens.
    assert lazy.full_passes < checked["usage"]["completion_tokens"]  # type: ignore[index]


def test_a_grammar_llama_cpp_refuses_is_a_clear_error(embedded_model: Path) -> None:
    from bot.errors import EmbeddedModelError
    from bot.llm.lazy_grammar import GreedyGrammarFilter
    from bot.llm.local_backend import load_llama

    llm = load_llama(embedded_model, n_ctx=256, n_threads=2)
    with pytest.raises(EmbeddedModelError, match="grammar"):
        GreedyGrammarFilter(llm, "root ::= (", prompt_tokens=0)


def test_llama_cpp_accepts_the_grammar_of_every_question_in_both_languages(embedded_model: Path) -> None:
    from bot.llm.lazy_grammar import GreedyGrammarFilter
    from bot.llm.local_backend import load_llama
    from tests.answers.test_checked_answers import QUESTIONS

    llm = load_llama(embedded_model, n_ctx=256, n_threads=1)
    compiled = 0
    for qid in QUESTIONS:
        turn = turn_for(qid)
        for lang in ("en", "ko"):
            GreedyGrammarFilter(llm, answer_grammar(turn.packed, lang, turn.question), prompt_tokens=0).close()
            compiled += 1
    assert compiled == 2 * len(QUESTIONS)


def test_a_banned_phrase_is_passed_over_for_the_next_best_token(embedded_model: Path) -> None:
    from llama_cpp import LogitsProcessorList

    from bot.llm.lazy_grammar import GreedyGrammarFilter
    from bot.llm.local_backend import load_llama
    from prompts.answer_bans import contradicting_phrases

    turn = turn_for("ko-aapl")  # Apple rose 0.26%; under the grammar alone the model wrote that it fell
    grammar = answer_grammar(turn.packed, turn.lang, turn.question)
    prompt = completion_prompt(turn.packed.text, turn.question, turn.lang)
    llm = load_llama(embedded_model, n_ctx=2048, n_threads=2)
    n_prompt = len(llm.tokenize(prompt.encode("utf-8"), special=True))
    common = {"max_tokens": 64, "stop": ANSWER_STOPS, "temperature": 0.0, "top_k": 1, "repeat_penalty": 1.0}

    def complete(banned: list[str]) -> tuple[str, int]:
        llm.reset()
        lazy = GreedyGrammarFilter(llm, grammar, prompt_tokens=n_prompt, banned=banned)
        try:
            out = llm.create_completion(prompt, logits_processor=LogitsProcessorList([lazy]), **common)
        finally:
            lazy.close()
        return out["choices"][0]["text"], lazy.banned_hits  # type: ignore[index]

    free, _ = complete([])
    assert "내렸" in free, free  # the premise: without bans it says the price fell
    banned = contradicting_phrases(turn.packed)
    text, hits = complete(banned)
    assert hits > 0 and "내렸" not in text and "하락" not in text, text
    assert "269.70" in text  # the grammar still holds


def test_a_full_stop_close_to_the_best_token_ends_the_answer(embedded_model: Path) -> None:
    from llama_cpp import LogitsProcessorList

    from bot.llm.lazy_grammar import GreedyGrammarFilter
    from bot.llm.local_backend import load_llama

    turn = turn_for("en-yen")  # a bare rate: after it, the model made up a "chance of yen"
    grammar = answer_grammar(turn.packed, turn.lang, turn.question)
    prompt = completion_prompt(turn.packed.text, turn.question, turn.lang)
    llm = load_llama(embedded_model, n_ctx=2048, n_threads=2)
    n_prompt = len(llm.tokenize(prompt.encode("utf-8"), special=True))

    def complete(end_bias: float) -> tuple[str, int]:
        llm.reset()
        lazy = GreedyGrammarFilter(llm, grammar, prompt_tokens=n_prompt, end_bias=end_bias)
        try:
            out = llm.create_completion(prompt, logits_processor=LogitsProcessorList([lazy]), max_tokens=64,
                                        stop=ANSWER_STOPS, temperature=0.0, top_k=1, repeat_penalty=1.0)
        finally:
            lazy.close()
        return out["choices"][0]["text"].strip(), lazy.early_ends  # type: ignore[index]

    rambling, no_ends = complete(0.0)
    short, ends = complete(2.0)
    assert no_ends == 0 and ends >= 1
    assert short.endswith("148.66 JPY.") and len(short) < len(rambling), (short, rambling)
