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
    assert [s.as_cli() for s in plan_question("bitcoin price in KRW").steps] == ["crypto market=KRW-BTC days=0"]


def test_plan_json_round_trip_is_plain_data() -> None:
    plan = plan_question("100달러는 몇 원이야?")
    data = plan.to_json()
    assert data["amount"] == [100.0, "USD"]
    assert data["steps"] == [{"connector": "fx", "params": {"base": "USD", "symbols": "KRW"}, "reason": "exchange rate USD/KRW"}]


@pytest.mark.parametrize(("question", "step"), [
    ("AAPL stock price", "stocks symbol=AAPL days=0"),  # a price: the quote alone
    ("How has Apple stock trended over the past 6 months?", "stocks symbol=AAPL days=131"),
    ("지난 3개월 애플 주가 추이", "stocks symbol=AAPL days=65"),
    ("애플 주가 지난 2주", "stocks symbol=AAPL days=10"),
    ("Apple stock over the last three months", "stocks symbol=AAPL days=65"),
    ("애플 주가 추이", "stocks symbol=AAPL days=21"),  # a trend word alone: a month
    ("AAPL price over the last 2 years", "stocks symbol=AAPL days=250"),  # capped at the connector's bound
    ("애플 52주 최고가", "stocks symbol=AAPL days=0"),  # 52-week figures are in the quote
    ("비트코인 지난 일주일 시세", "crypto market=KRW-BTC days=7"),
    ("bitcoin price over the past 30 days", "crypto coin=bitcoin vs=usd days=30"),
    ("bitcoin price over the last year", "crypto coin=bitcoin vs=usd days=200"),
])
def test_history_length_follows_the_period_asked(question: str, step: str) -> None:
    assert [s.as_cli() for s in plan_question(question).steps] == [step]


def test_history_caps_are_the_connectors_own_bounds() -> None:
    from bot.planner.periods import CRYPTO_MAX_DAYS, STOCKS_MAX_BARS
    from connectors.crypto import CryptoParams
    from connectors.stocks import StocksParams

    def upper(model: type, name: str) -> int:
        (bound,) = [m.le for m in model.model_fields[name].metadata if hasattr(m, "le")]
        return int(bound)

    assert STOCKS_MAX_BARS == upper(StocksParams, "days")
    assert CRYPTO_MAX_DAYS == upper(CryptoParams, "days")


@pytest.mark.parametrize(("question", "step"), [
    ("Weather in Seoul", "weather place=Seoul"),  # now and the next 24 hours
    ("서울 내일 비 와?", "weather place=Seoul days=2"),  # tomorrow: the hourly points stay
    ("서울 모레 날씨", "weather place=Seoul days=3"),
    ("Seoul weather this week", "weather place=Seoul days=7 hours=0"),  # days answer it: no hourly
    ("서울 5일간 날씨", "weather place=Seoul days=5 hours=0"),
])
def test_a_week_scale_forecast_asks_daily_figures_only(question: str, step: str) -> None:
    assert [s.as_cli() for s in plan_question(question).steps] == [step]
