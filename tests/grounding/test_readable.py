"""The sources block a person reads: words not field names, grouped digits, the period of a
change, the wet days of a week, old figures marked by age, no "-0.0"."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from bot.grounded import prepare_grounded_turn
from bot.settings import Settings
from prompts import readable
from prompts.grounding import sources_block
from prompts.packer import ContextPacker, fmt_number
from tests.grounding.payload_records import BUILDERS
from tests.grounding.qset import Question, RecordedFetcher, load_questions

KOREAN = [q for q in load_questions() if q.lang == "ko"]
# Names of record fields; none may reach a Korean reader.
FIELD_NAME = re.compile(r"[a-z]+_[a-z0-9_]+|\b(?:price|close|rate|change|temperature|condition)\b")


@pytest.mark.parametrize("question", KOREAN, ids=lambda q: q.id)
def test_a_korean_sources_block_has_no_english_field_name(question: Question) -> None:
    turn = prepare_grounded_turn(question.q, settings=Settings(), fetcher=RecordedFetcher(question.data, question.now),
                                 now=question.now)
    figures = "\n".join(ref.headline for ref in turn.packed.sources)
    assert not FIELD_NAME.findall(figures), figures


def test_week_forecast_keeps_its_wet_days_and_ranges() -> None:
    records = BUILDERS["weather_lisbon"](datetime(2024, 1, 26, 11, 0, tzinfo=timezone.utc))
    packed = ContextPacker(lang="ko", counter=lambda t, m: len(t) // 4).pack(records, now=datetime(2024, 1, 26, 11, 0, tzinfo=timezone.utc))
    daily = next(r.headline for r in packed.sources if r.kind == "weather.daily")
    assert daily == "01-26~02-01, 최고 기온 16.5~18.6°C, 최저 기온 9.0~13.3°C, 강수확률 0~32%, 비: 01-29"
    current = next(r.headline for r in packed.sources if r.kind == "weather.current")
    assert current == "흐림, 기온 12.1°C"


def test_changes_carry_their_period() -> None:
    t0 = datetime(2025, 10, 29, 20, 30, tzinfo=timezone.utc)
    aapl = BUILDERS["yahoo_aapl"](t0)
    packed = ContextPacker(lang="en", counter=lambda t, m: len(t) // 4).pack(aapl, now=t0)
    heads = [r.headline for r in packed.sources]
    assert heads[0] == "price 269.70 USD, +0.26% over 1d"
    assert re.fullmatch(r"close 269\.70 USD \(2025-10-29\), \+\d+\.\d% over 6 months", heads[1]), heads[1]


def test_an_old_current_rate_is_marked_by_its_age_but_a_rate_asked_for_a_past_day_is_not() -> None:
    t0 = datetime(2025, 3, 15, 3, 0, tzinfo=timezone.utc)
    fx = BUILDERS["fx_usd_krw"](t0)
    later = t0 + timedelta(days=624)
    assert readable.overdue(fx[0], later, "en") == " — OLD (624 days old; this source normally updates every working day)"
    assert readable.overdue(fx[0], t0, "en") == ""
    asked = fx[0].model_copy(update={"requested_date": "2025-03-14"})
    assert readable.overdue(asked, later, "ko") == ""


@pytest.mark.parametrize(("value", "name", "unit", "text"), [
    (-0.04, "temperature", "°C", "0.0"),
    (-0.001, "change_pct", "%", "0"),
    (259.940002, "close", "USD", "259.94"),
    (-1.26, "temperature", "°C", "-1.3"),
])
def test_numbers_are_rounded_by_meaning_and_never_negative_zero(value: float, name: str, unit: str, text: str) -> None:
    assert fmt_number(value, name, unit) == text


@pytest.mark.parametrize(("days", "ko", "en"), [(1, "1일", "1d"), (2, "2일", "2d"), (91, "3개월", "3 months"),
                                                (183, "6개월", "6 months"), (365, "1년", "1 year")])
def test_period_words(days: int, ko: str, en: str) -> None:
    first = datetime(2025, 1, 1, tzinfo=timezone.utc)
    last = first + timedelta(days=days)
    assert (readable.period(first, last, "ko"), readable.period(first, last, "en")) == (ko, en)


def test_korean_large_won_amounts_read_with_eok() -> None:
    assert readable.money(162_876_000, "KRW", "ko") == "162,876,000원 (1억 6,288만원)"
    assert readable.money(162_876_000, "KRW", "en") == "162,876,000 KRW"


def test_derived_conversion_reads_in_korean() -> None:
    q = next(x for x in load_questions() if x.id == "ko-convert-100usd")
    turn = prepare_grounded_turn(q.q, settings=Settings(), fetcher=RecordedFetcher(q.data, q.now), now=q.now)
    block = sources_block(turn.packed, "ko")
    assert "- 환산: 100 USD = 145,364원 (14만 5,364원) (Frankfurter, 2025-03-14, USD/KRW 1453.64) (briefbot 계산)" in block
