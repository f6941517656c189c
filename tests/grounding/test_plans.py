"""Plans of the fixed question set, and the matching rules that keep them right."""

from __future__ import annotations

import pytest

from bot.planner import plan_question
from tests.grounding.qset import Question, load_questions

QUESTIONS = load_questions()


def test_question_set_is_big_and_bilingual() -> None:
    assert len(QUESTIONS) >= 30
    assert sum(q.lang == "ko" for q in QUESTIONS) >= 12
    assert sum(q.lang == "en" for q in QUESTIONS) >= 12


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_plan(question: Question) -> None:
    plan = plan_question(question.q, now=question.now)
    assert [(s.connector, s.params) for s in plan.steps] == question.steps
    assert plan.lang == question.lang
    assert plan.confident is question.confident, plan.unresolved


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("비트코인 얼마야?", "weather"),  # 비 inside 비트코인 is not rain
        ("엔비디아 주가", "fx"),  # 엔 inside 엔비디아 is not yen
        ("SK하이닉스 주가", "stocks symbol=SK"),
    ],
)
def test_short_korean_words_do_not_match_inside_longer_ones(text: str, absent: str) -> None:
    clis = [s.as_cli() for s in plan_question(text).steps]
    assert all(not c.startswith(absent) for c in clis), clis


def test_korean_rain_word_alone_is_rain() -> None:
    plan = plan_question("내일 부산에 비 와?")
    assert [s.as_cli() for s in plan.steps] == ["weather place=Busan days=2"]
    assert "rain" in plan.topics


def test_multi_intent_yields_one_step_per_source() -> None:
    plan = plan_question("삼성전자 주가랑 부산 날씨, 비트코인 시세")
    assert sorted(s.connector for s in plan.steps) == ["crypto", "stocks", "weather"]


def test_english_coin_with_krw_context_uses_upbit() -> None:
    assert [s.as_cli() for s in plan_question("bitcoin price in KRW").steps] == ["crypto market=KRW-BTC"]


def test_plan_json_round_trip_is_plain_data() -> None:
    plan = plan_question("100달러는 몇 원이야?")
    data = plan.to_json()
    assert data["amount"] == [100.0, "USD"]
    assert data["steps"] == [{"connector": "fx", "params": {"base": "USD", "symbols": "KRW"}, "reason": "exchange rate USD/KRW"}]
