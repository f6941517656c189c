"""The bench's raw baseline is honest: every recorded body a question's requests get answers
that request and carries nothing it did not ask for (another market, coin, currency, range
or weather variable), so the packed/raw ratio cannot win on padding."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.grounded import prepare_grounded_turn
from bot.settings import Settings
from tests.grounding.qset import RecordedFetcher, load_questions

QUESTIONS = [q for q in load_questions() if q.data]
# Trading days a Yahoo range can hold, at most (daily interval).
YAHOO_RANGE_MAX_BARS = {"5d": 5, "1mo": 23, "3mo": 66, "6mo": 130, "1y": 253}
# Keys an Open-Meteo section carries besides the variables asked for.
OPEN_METEO_SECTION_KEYS = {"time", "interval"}


def extra_content(url: str, body: Any) -> set[str]:
    """What ``body`` carries that the request ``url`` did not ask for (empty when none)."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.path == "/v1/ticker":  # Upbit
        return {e["market"] for e in body} - set(query["markets"].split(","))
    if parts.path == "/v1/candles/days":
        return {e["market"] for e in body} - {query["market"]}
    if parts.path == "/api/v3/simple/price":  # CoinGecko
        return set(body) - set(query["ids"].split(","))
    if parts.path == "/v1/latest":  # Frankfurter
        extra = set(body["rates"]) - set(query.get("symbols", "").split(",")) if "symbols" in query else set()
        return extra | ({f"base {body['base']}"} if body["base"] != query.get("base", "EUR") else set())
    if parts.path.startswith("/v8/finance/chart/"):  # Yahoo: more daily bars than the range holds
        bars = len(body["chart"]["result"][0].get("timestamp", []))
        return {f"{bars} bars"} if bars > YAHOO_RANGE_MAX_BARS[query["range"]] else set()
    if parts.path in ("/v1/forecast", "/v1/air-quality"):  # Open-Meteo: only the variables asked for
        extra = set()
        for section in ("current", "hourly", "daily"):
            asked = set(query.get(section, "").split(",")) - {""}
            for key in ("", "_units"):
                got = set(body.get(section + key, {})) - OPEN_METEO_SECTION_KEYS
                extra |= {f"{section}{key}.{v}" for v in got - asked}
        return extra
    if parts.path == "/v1/search":  # geocoding: left out of the baseline
        return set()
    raise AssertionError(f"no baseline check for {parts.path}: add one before recording it")


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.id for q in QUESTIONS])
def test_each_recorded_body_answers_only_its_request(question: Any) -> None:
    fetcher = RecordedFetcher(question.data, question.now)
    prepare_grounded_turn(question.q, settings=Settings(model="gpt-4o-mini"), fetcher=fetcher, now=question.now)
    assert fetcher.exchanges, "a question with data fetches something"
    for url, text in fetcher.exchanges:
        assert extra_content(url, json.loads(text)) == set(), url


def test_the_check_catches_a_padded_body() -> None:
    # The recording behind the Upbit ticker holds two markets; served whole to a one-market
    # request it would pad the baseline, and the check says so.
    both = [{"market": "KRW-BTC"}, {"market": "KRW-ETH"}]
    assert extra_content("https://api.upbit.com/v1/ticker?markets=KRW-BTC", both) == {"KRW-ETH"}
    assert extra_content("https://api.coingecko.com/api/v3/simple/price?ids=bitcoin&vs_currencies=usd",
                         {"bitcoin": {}, "ethereum": {}}) == {"ethereum"}
    assert extra_content("https://api.open-meteo.com/v1/forecast?current=temperature_2m",
                         {"current": {"time": "t", "temperature_2m": 1, "is_day": 1}}) == {"current.is_day"}
