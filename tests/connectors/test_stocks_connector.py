"""stocks: Yahoo chart (keyless) and Alpha Vantage (keyed) over recorded payloads."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import responses

from connectors.errors import AccessRefused, MissingKey, NotFound, RateLimited, SchemaDriftError, UpstreamErrorBody
from connectors.stocks import StockDaily, StockQuote, StocksConnector
from connectors.testing import CANARY_KEYS, ConnectorContract, ErrorCase, FakeClock, Recorded, make_runtime
from tests.connectors.payloads import fixture

YAHOO = "https://query1.finance.yahoo.com/v8/finance/chart/"
AV = "https://www.alphavantage.co/query"
AV_KEY = CANARY_KEYS["alphavantage_api_key"]
AAPL = fixture("yahoo/chart_AAPL_range6mo_interval1d_2025-10-29.json")
GS2C = fixture("yahoo/chart_GS2C.DE_range5d_interval1d_2025-10-29.json")
SAMSUNG_META = fixture("yahoo/chart_meta_005930.KS_2023-09-01_extract.json")
YAHOO_404 = fixture("yahoo/error_404_not_found.json")
MSFT_QUOTE = fixture("alphavantage/global_quote_msft_2018-10-05.json")
NVDA_DAILY = fixture("alphavantage/time_series_daily_nvda_2025-02-28_trimmed3days.json")
# No Global Quote for NVDA is recorded: this one is derived from the recorded NVDA daily series
# (2025-02-28's bar, previous close = 2025-02-27's close) in the recorded MSFT quote's shape.
NVDA_QUOTE = {"Global Quote": {
    "01. symbol": "NVDA", "02. open": "118.0200", "03. high": "125.0900", "04. low": "116.4000", "05. price": "124.9200",
    "06. volume": "389091145", "07. latest trading day": "2025-02-28", "08. previous close": "120.1500",
    "09. change": "4.7700", "10. change percent": "3.9700%"}}


def _av(name: str) -> Recorded:
    return Recorded(AV, json=fixture(f"alphavantage/{name}"))


def _yahoo_without_price():
    drifted = copy.deepcopy(GS2C)
    del drifted["chart"]["result"][0]["meta"]["regularMarketPrice"]
    return drifted


class TestYahooContract(ConnectorContract):
    connector = StocksConnector
    params = {"symbol": "GS2C.DE", "days": "5"}
    success = [Recorded(YAHOO + "GS2C.DE", json=GS2C)]
    expected_kinds = ["stocks.quote", "stocks.daily"]
    bad_params = [({}, "symbol"), ({"symbol": "AA PL"}, "symbol"), ({"symbol": "AAPL", "provider": "google"}, "provider"),
                  ({"symbol": "AAPL", "days": "251"}, "days")]
    error_cases = [
        ErrorCase("unknown symbol -> 404 chart.error", [Recorded(YAHOO + "INVALID.BO", json=YAHOO_404, status=404)],
                  NotFound, "unknown symbol 'INVALID.BO' at Yahoo Finance: No data found, symbol may be delisted",
                  params={"symbol": "INVALID.BO"}, calls=1),
        ErrorCase("unknown symbol as HTTP 200 with chart.error", [Recorded(YAHOO + "NOPE", json=YAHOO_404)],
                  NotFound, "unknown symbol 'NOPE'", params={"symbol": "NOPE"}, calls=1),
        ErrorCase("refused -> clear message, not retried", [Recorded(YAHOO + "GS2C.DE", status=401,
                  json={"finance": {"result": None, "error": {"code": "Unauthorized", "description": "Invalid Crumb"}}})],
                  AccessRefused, "Yahoo Finance refused the keyless chart request for GS2C.DE (HTTP 401: Invalid Crumb)", calls=1),
        ErrorCase("meta without regularMarketPrice -> drift", [Recorded(YAHOO + "GS2C.DE", json=_yahoo_without_price())],
                  SchemaDriftError, "field 'chart.result[0].meta.regularMarketPrice'", calls=1),
        ErrorCase("result list empty -> drift", [Recorded(YAHOO + "GS2C.DE", json={"chart": {"result": [], "error": None}})],
                  SchemaDriftError, "field 'chart.result[0]'", calls=1),
    ]


class TestAlphaVantageContract(ConnectorContract):
    connector = StocksConnector
    params = {"symbol": "MSFT", "days": "0", "provider": "alphavantage"}
    settings = {"alphavantage_api_key": AV_KEY}
    success = [_av("global_quote_msft_2018-10-05.json")]
    expected_kinds = ["stocks.quote"]
    bad_params = [({"symbol": ""}, "symbol")]
    error_cases = [
        ErrorCase("legacy Note (200) -> RateLimited, not retried", [_av("ratelimit_legacy_note_200.json")],
                  RateLimited, "5 calls per minute", calls=1),
        ErrorCase("daily Information echoing the key (200) -> RateLimited, key masked",
                  [Recorded(AV, body=json.dumps(fixture("alphavantage/ratelimit_daily_information_200.json")).replace("XXXX", AV_KEY))],
                  RateLimited, "25 requests per day", calls=1),
        ErrorCase("older daily wording", [_av("ratelimit_daily_information_200_older_wording.json")], RateLimited,
                  "rate limit is 25 requests per day", calls=1),
        ErrorCase("burst Information", [_av("ratelimit_burst_information_200.json")], RateLimited, "1 request per second", calls=1),
        ErrorCase("premium endpoint", [_av("premium_endpoint_information_200.json")], AccessRefused, "premium endpoint", calls=1),
        ErrorCase("demo key", [_av("demo_key_information_200.json")], AccessRefused, "demo** API key", calls=1),
        ErrorCase("Error Message (200)", [_av("error_message_invalid_call_global_quote_200.json")],
                  UpstreamErrorBody, "Alpha Vantage rejected the call for 'MSFT': Invalid API call", calls=1),
        ErrorCase("unknown symbol -> empty Global Quote", [_av("global_quote_unknown_symbol_empty_200.json")],
                  NotFound, "unknown symbol 'MSFT' at Alpha Vantage", calls=1),
        ErrorCase("price missing -> drift", [Recorded(AV, json={"Global Quote": {"01. symbol": "MSFT", "07. latest trading day": "2018-10-05"}})],
                  SchemaDriftError, "field 'Global Quote.05. price'", calls=1),
    ]


def test_yahoo_quote_previous_close_from_bars_not_chart_previous_close(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, YAHOO + "AAPL", json=AAPL)
        quote, daily = make_runtime(tmp_path).fetch("stocks", {"symbol": "aapl", "days": "3"}).records
        sent = rsps.calls[0].request.url
    assert sent == YAHOO + "AAPL?range=5d&interval=1d"
    assert isinstance(quote, StockQuote) and isinstance(daily, StockDaily)
    assert quote.price == 269.7 and quote.currency == "USD" and quote.name == "Apple Inc."
    # chartPreviousClose (211.21) is the close before the 6-month range, not yesterday's.
    assert quote.previous_close != 211.21
    closes = [c for c in AAPL["chart"]["result"][0]["indicators"]["quote"][0]["close"] if c is not None]
    assert quote.previous_close == pytest.approx(closes[-2])
    assert quote.as_of.tzinfo is not None and str(quote.as_of.tzinfo) == "America/New_York"
    assert len(daily.points) == 3 and daily.points[-1].values["close"] == pytest.approx(closes[-1])


@pytest.mark.parametrize(("days", "yahoo_range"), [("0", "5d"), ("4", "5d"), ("20", "1mo"), ("62", "3mo"),
                                                   ("124", "6mo"), ("125", "1y"), ("250", "1y")])
def test_yahoo_range_is_the_smallest_covering_the_bars_and_the_previous_close(tmp_path: Path, days: str, yahoo_range: str) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, YAHOO + "AAPL", json=AAPL)
        make_runtime(tmp_path).fetch("stocks", {"symbol": "AAPL", "days": days})
        assert rsps.calls[0].request.url == YAHOO + f"AAPL?range={yahoo_range}&interval=1d"


def test_six_months_of_bars_from_the_6mo_recording(tmp_path: Path) -> None:
    """The recording is Yahoo's real range=6mo answer (127 bars, 2025-04-29..10-29)."""
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, YAHOO + "AAPL?range=6mo&interval=1d", json=AAPL,
                 match=[responses.matchers.query_param_matcher({"range": "6mo", "interval": "1d"})])
        _, daily = make_runtime(tmp_path).fetch("stocks", {"symbol": "AAPL", "days": "124"}).records
    closes = [c for c in AAPL["chart"]["result"][0]["indicators"]["quote"][0]["close"] if c is not None]
    assert len(closes) == 127 and len(daily.points) == 124
    assert [p.values["close"] for p in daily.points] == pytest.approx(closes[-124:])


def test_korean_name_and_meta_only_answer(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, YAHOO + "005930.KS", json={"chart": {"result": [SAMSUNG_META], "error": None}})
        records = make_runtime(tmp_path).fetch("stocks", {"symbol": "삼성전자"}).records
    (quote,) = records  # no bars in a meta-only answer: quote only
    assert quote.symbol == "005930.KS" and quote.currency == "KRW" and quote.price == 71000
    assert quote.previous_close == 66900 and quote.change == 4100 and quote.change_pct == pytest.approx(6.1286, abs=1e-4)
    assert quote.as_of.isoformat() == "2023-09-01T15:30:21+09:00"


def test_bare_krx_code_gets_the_kospi_suffix() -> None:
    assert StocksConnector.parse_params({"symbol": "005930"}).symbol == "005930.KS"


def test_alpha_vantage_needs_its_key(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        with pytest.raises(MissingKey) as info:
            make_runtime(tmp_path).fetch("stocks", {"symbol": "MSFT", "provider": "alphavantage"})
        assert "ALPHAVANTAGE_API_KEY" in str(info.value) and len(rsps.calls) == 0


def test_auto_falls_back_to_alpha_vantage_when_yahoo_refuses(tmp_path: Path) -> None:
    clock = FakeClock()
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, YAHOO + "MSFT", status=403, body="Forbidden")
        rsps.add(responses.GET, AV, json=MSFT_QUOTE)
        rsps.add(responses.GET, AV, json=NVDA_QUOTE)
        runtime = make_runtime(tmp_path, clock=clock, settings={"alphavantage_api_key": AV_KEY})
        (quote,) = runtime.fetch("stocks", {"symbol": "MSFT", "days": "0"}).records
        runtime.fetch("stocks", {"symbol": "NVDA", "days": "0", "provider": "alphavantage"})  # a second call waits its turn
        urls = [c.request.url for c in rsps.calls]
    assert quote.provider == "Alpha Vantage" and quote.price == 112.13 and quote.change_pct == -0.5852
    assert quote.as_of.isoformat() == "2018-10-05T16:00:00-04:00"
    assert "Yahoo failed" in (quote.note or "") and "data from Alpha Vantage" in (quote.note or "")
    assert "function=GLOBAL_QUOTE" in urls[1] and "symbol=MSFT" in urls[1]
    assert "apikey=" + AV_KEY in urls[1]  # sent to the source ...
    assert AV_KEY not in quote.source_url and "apikey=[REDACTED]" in quote.source_url
    assert clock.sleeps and clock.sleeps[-1] == pytest.approx(1.0)  # Alpha Vantage: 1 request per second


def test_alpha_vantage_daily_bars(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, AV, json=NVDA_QUOTE)
        rsps.add(responses.GET, AV, json=NVDA_DAILY)
        quote, daily = make_runtime(tmp_path, settings={"alphavantage_api_key": AV_KEY}).fetch(
            "stocks", {"symbol": "NVDA", "days": "2", "provider": "alphavantage"}).records
        urls = [c.request.url for c in rsps.calls]
    assert "function=TIME_SERIES_DAILY" in urls[1] and "symbol=NVDA" in urls[1]
    assert quote.price == 124.92 and quote.previous_close == 120.15
    assert [p.time.date().isoformat() for p in daily.points] == ["2025-02-27", "2025-02-28"]
    assert [p.values["close"] for p in daily.points] == [120.15, 124.92]


@pytest.mark.parametrize(("served", "field"), [
    ([MSFT_QUOTE, NVDA_DAILY], "Meta Data.2. Symbol"),  # the daily series of another symbol
    ([NVDA_QUOTE], "Global Quote.01. symbol"),
])
def test_alpha_vantage_answer_for_another_symbol_is_refused(tmp_path: Path, served: list[Any], field: str) -> None:
    with responses.RequestsMock() as rsps:
        for body in served:
            rsps.add(responses.GET, AV, json=body)
        with pytest.raises(SchemaDriftError) as info:
            make_runtime(tmp_path, settings={"alphavantage_api_key": AV_KEY}).fetch(
                "stocks", {"symbol": "MSFT", "days": "2", "provider": "alphavantage"})
    assert "asked for MSFT, received NVDA" in str(info.value) and field in str(info.value)


def test_yahoo_chart_for_another_symbol_is_refused(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, YAHOO + "MSFT", json=AAPL)
        with pytest.raises(SchemaDriftError) as info:
            make_runtime(tmp_path).fetch("stocks", {"symbol": "MSFT"})
    assert "asked for MSFT, received AAPL" in str(info.value)


def test_unknown_symbol_does_not_fall_back(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, YAHOO + "NOPE", json=YAHOO_404, status=404)
        with pytest.raises(NotFound):
            make_runtime(tmp_path, settings={"alphavantage_api_key": AV_KEY}).fetch("stocks", {"symbol": "NOPE"})
        assert len(rsps.calls) == 1
