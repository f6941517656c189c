"""The everyday question set (issue 13): plans, packed facts and the reader's sources block,
over recorded and generated payloads run through the real connectors (everyday_payloads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.grounded import prepare_grounded_turn
from bot.planner import plan_question
from bot.settings import Settings
from prompts.grounding import check_numbers, sources_block
from tests.grounding.everyday_payloads import EVERYDAY_BUILDERS
from tests.grounding.qset import Question, RecordedFetcher, load_questions

EVERYDAY = Path(__file__).parent / "everyday.json"
QUESTIONS = load_questions(EVERYDAY)
SOURCES = {q["id"]: q["sources"] for q in json.loads(EVERYDAY.read_text(encoding="utf-8"))["questions"]}


def _turn(question: Question):  # type: ignore[no-untyped-def]
    fetcher = RecordedFetcher(question.data, question.now, EVERYDAY_BUILDERS)
    return prepare_grounded_turn(question.q, settings=Settings(), fetcher=fetcher, now=question.now)


def test_the_set_is_big_bilingual_and_covers_each_kind() -> None:
    assert len(QUESTIONS) >= 40
    assert sum(q.lang == "ko" for q in QUESTIONS) >= 18 and sum(q.lang == "en" for q in QUESTIONS) >= 18
    params = [p for q in QUESTIONS for _, p in q.steps]
    assert sum("place" in p for p in params) >= 15  # towns, no word list
    assert sum("date" in p or "start" in p for p in params) >= 12  # days and periods
    assert sum(q.id.split("-", 1)[1][0].isdigit() or "half" in q.id for q in QUESTIONS) >= 10  # amounts


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_plan(question: Question) -> None:
    plan = plan_question(question.q, now=question.now)
    assert [(s.connector, s.params) for s in plan.steps] == question.steps
    assert plan.lang == question.lang
    assert plan.confident is question.confident, plan.unresolved


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_packed_facts_and_sources_block(question: Question) -> None:
    turn = _turn(question)
    missing = [f for f in question.facts if f not in turn.packed.text]
    assert not missing, f"missing {missing} in:\n{turn.packed.text}"
    block = sources_block(turn.packed, question.lang)
    unread = [s for s in SOURCES[question.id] if s not in block]
    assert not unread, f"missing {unread} in:\n{block}"
    # Every figure the reader is shown can be traced by the number check.
    figures = "\n".join(ref.headline for ref in turn.packed.sources) + "\n" + "\n".join(turn.packed.derived_text)
    assert check_numbers(figures.replace("~", " "), turn.packed) == [], block


@pytest.mark.parametrize(("qid", "answer"), [
    ("en-3btc-won", "3 bitcoin is worth 488,628,000 won."),
    ("ko-half-btc", "0.5개는 약 8,143만 원입니다."),
    ("ko-200eur-krw", "200유로는 31만 6,574원입니다."),
    ("en-50eur-usd", "50 euros is 54.45 dollars."),
])
def test_an_answer_quoting_the_conversion_passes_the_number_check(qid: str, answer: str) -> None:
    question = next(q for q in QUESTIONS if q.id == qid)
    assert check_numbers(answer, _turn(question).packed) == []


def test_a_rate_for_tomorrow_is_refused_not_answered_with_todays() -> None:
    question = next(q for q in QUESTIONS if q.id == "en-usdkrw-tomorrow")
    turn = _turn(question)
    assert not turn.records and [f.error for f in turn.failures] == ["InvalidParams"]
    assert "1453.64" not in turn.packed.text
