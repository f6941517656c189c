"""The packed context of every question: needed facts present, within budget, sources stated."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from bot.grounded import prepare_grounded_turn
from bot.settings import Settings
from bot.tokens import count_text
from connectors.records import Series
from prompts.packer import ContextPacker, SourceFailure
from tests.grounding.payload_records import BUILDERS
from tests.grounding.qset import Question, RecordedFetcher, load_questions

QUESTIONS = load_questions()
SETTINGS = Settings()


def turn_for(question: Question, settings: Settings = SETTINGS):  # type: ignore[no-untyped-def]
    fetcher = RecordedFetcher(question.data, question.now)
    return prepare_grounded_turn(question.q, settings=settings, fetcher=fetcher, now=question.now)


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_needed_facts_are_present_and_within_budget(question: Question) -> None:
    turn = turn_for(question)
    packed = turn.packed
    missing = [f for f in question.facts if f not in packed.text]
    assert not missing, f"missing {missing} in:\n{packed.text}"
    assert packed.tokens == count_text(packed.text, SETTINGS.resolved_model())
    assert packed.tokens <= packed.budget == 1500
    # Every record is cited with its source and time, and every failed step is stated.
    assert len(packed.sources) == len(turn.records)
    for failure in turn.failures:
        assert f"MISSING {failure.describe()}" in packed.text
    # Each block's header names its source and as-of time (blocks sharing both share a header).
    for ref in packed.sources:
        assert f"{ref.source} · {ref.as_of_text} (" in packed.text, ref


def test_long_series_is_summarised_not_dumped() -> None:
    records = BUILDERS["yahoo_aapl"](QUESTIONS[0].now)
    history = next(r for r in records if isinstance(r, Series))
    assert len(history.points) == 124  # the recording's range=6mo request: days=124
    packed = ContextPacker().pack(records)
    rows = [ln for ln in packed.text.splitlines() if re.match(r"^\d\d-\d\d,", ln)]
    assert 2 <= len(rows) <= 10
    assert "124 points, summarised" in packed.text
    assert "close max: 269.70 USD" in packed.text and "close min: 195.27 USD" in packed.text


def test_short_series_is_a_table_with_one_header_row() -> None:
    records = BUILDERS["weather_lisbon"](QUESTIONS[0].now)
    text = ContextPacker().pack(records).text
    assert text.count("date(2024),temperature_max(°C),temperature_min(°C)") == 1
    assert "01-29,17.3,10.3,16,light drizzle" in text


def test_tight_budget_sheds_detail_then_names_what_was_omitted() -> None:
    now = QUESTIONS[0].now
    records = BUILDERS["yahoo_aapl"](now) + BUILDERS["weather_newyork"](now) + BUILDERS["weather_lisbon"](now)
    roomy = ContextPacker(budget=1500).pack(records, now=now)
    tight = ContextPacker(budget=300).pack(records, now=now)
    assert roomy.level == 0 and roomy.tokens <= 1500
    assert tight.tokens <= 300
    assert tight.omitted, "something had to go at 300 tokens"
    assert "OMITTED for the token budget" in tight.text
    for name in tight.omitted:
        assert name in roomy.text


def test_blocks_sharing_subject_source_and_time_share_one_header() -> None:
    now = QUESTIONS[0].now
    text = ContextPacker().pack(BUILDERS["yahoo_aapl"](now), now=now).text
    headers = [ln for ln in text.splitlines() if ln.startswith("## ")]
    assert len(headers) == 1 and headers[0].startswith("## AAPL · Yahoo Finance · ")
    assert "\nquote:\n" in text and "\ndaily, 124 points, summarised:\n" in text
    # The previous close is kept, on the change's line.
    assert "change_pct: 0.26% vs previous_close 269.00 USD" in text


def test_only_needed_fields_are_kept() -> None:
    records = BUILDERS["weather_newyork"](QUESTIONS[0].now)
    plain = ContextPacker().pack(records).text
    assert "wind_speed" not in plain and "relative_humidity" not in plain and "latitude" not in plain
    windy = ContextPacker(topics=frozenset({"wind", "humidity"})).pack(records).text
    assert "wind_speed: 11.2 km/h" in windy and "relative_humidity: 85%" in windy


def test_rounding_by_meaning() -> None:
    now = QUESTIONS[0].now
    text = ContextPacker().pack(BUILDERS["upbit_btc"](now) + BUILDERS["yahoo_gs2c"](now) + BUILDERS["weather_newyork"](now)).text
    assert "price: 162876000 KRW" in text  # KRW: no decimals
    assert "price: 19.95 EUR" in text  # prices: 2 decimals (19.948 upstream)
    assert "temperature: 23.2 °C" in text  # temperatures: 1 decimal
    assert "change_pct: -0.17%" in text  # below 1%: 2 decimals, so the move is not overstated


def test_stale_record_is_labelled() -> None:
    now = QUESTIONS[0].now
    stale = [r.model_copy(update={"stale": True, "note": "stale: cached 3 h ago"}) for r in BUILDERS["upbit_btc"](now)]
    packed = ContextPacker().pack(stale, now=now)
    assert "STALE: served from cache" in packed.text
    assert packed.sources[0].stale


def test_failure_block_carries_the_error_kind() -> None:
    failure = SourceFailure("stocks", {"symbol": "XXXX"}, "Yahoo Finance: no such symbol", "NotFound")
    text = ContextPacker().pack([], [failure]).text
    assert "MISSING stocks symbol=XXXX: fetch failed [NotFound]: Yahoo Finance: no such symbol" in text


def test_messages_put_data_before_question() -> None:
    turn = turn_for(QUESTIONS[0])
    system, user = turn.messages()
    assert system["role"] == "system" and "ONLY the data" in system["content"]
    assert user["content"].startswith(turn.packed.text)
    assert user["content"].endswith(f"Question: {QUESTIONS[0].q}")


def test_a_text_column_with_one_value_is_stated_once() -> None:
    now = datetime(2026, 8, 23, 23, 0, tzinfo=timezone.utc)  # 19:00 EDT: the evening hours, all clear
    text = ContextPacker().pack(BUILDERS["weather_newyork"](now), now=now).text
    assert "condition: clear sky (all 6 points)" in text
    assert "time(2026-08-23 EDT),temperature(°C),precipitation_probability(%)\n18:00,23.9,0\n" in text
    # Lisbon's daily conditions differ: they stay a column.
    lisbon = ContextPacker().pack(BUILDERS["weather_lisbon"](now), now=now).text
    assert "01-29,17.3,10.3,16,light drizzle" in lisbon and "(all 7 points)" not in lisbon
