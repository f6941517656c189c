"""Records for the grounding tests, produced by the REAL connectors from recorded payloads.

Each builder runs one connector through :class:`connectors.runtime.ConnectorRuntime` (a
scratch cache, no plugins, a fake clock whose wall time is the builder's ``fetched_at``)
while ``responses`` answers its requests with the files in ``fixtures/`` (see SOURCES.md
there). So the packer, the derived facts and the number check are tested on exactly the
records ``briefbot fetch`` produces: same record classes, field names, units and subjects.

The only bodies built here rather than recorded are Frankfurter answers for a base other
than EUR: they are rebased from the recorded EUR table as Frankfurter does server-side
(documented as derived in SOURCES.md). Bodies are derived, never records.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from typing import Any, Callable

import responses

from connectors.records import Record
from connectors.testing import FakeClock, make_runtime

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED = datetime(2026, 1, 1, tzinfo=timezone.utc)  # replaced per question by the test's clock

# Upstream path (regex, searched in the request URL) -> the body it answers with, or a
# function of the request's query that returns the body (see yahoo_ranges).
Served = list[tuple[str, Any]]
# What a fetch was answered with: (request URL, response body text), in request order.
Exchanges = list[tuple[str, str]]


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fetch_records(connector: str, params: Mapping[str, Any], served: Served, fetched_at: datetime,
                  exchanges: Exchanges | None = None) -> list[Record]:
    """Run the real ``connector`` with ``params``; ``served`` answers every request it sends.
    The requests and the bodies they got are appended to ``exchanges`` when given."""
    with tempfile.TemporaryDirectory(prefix="briefbot-grounding-") as scratch, \
            responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        for path, body in served:
            url = re.compile(rf"^https?://[^/]+{path}(\?|$)")
            if callable(body):
                rsps.add_callback(responses.GET, url, callback=_by_query(body), content_type="application/json; charset=utf-8")
            else:
                rsps.add(responses.GET, url, body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                         content_type="application/json; charset=utf-8")
        runtime = make_runtime(Path(scratch) / "cache", clock=FakeClock(fetched_at.astimezone(timezone.utc)))
        with runtime:
            records = runtime.fetch(connector, params).records
        if exchanges is not None:
            exchanges.extend((str(c.request.url), c.response.text) for c in rsps.calls if c.response is not None)
        return records


def _by_query(answer: Callable[[dict[str, str]], Any]) -> Callable[[Any], tuple[int, dict[str, str], bytes]]:
    def callback(request: Any) -> tuple[int, dict[str, str], bytes]:
        query = {k: v[-1] for k, v in parse_qs(urlsplit(request.url).query).items()}
        return 200, {}, json.dumps(answer(query), ensure_ascii=False).encode("utf-8")

    return callback


@dataclass(frozen=True)
class Recording:
    """A connector answered by recorded bodies. Called with a plan step's params, it runs the
    real connector with exactly those params; without, with ``params`` (the request the
    recording answers). ``keep`` selects record kinds for tests that want one of them."""

    connector: str
    served: Callable[[], Served]
    params: Mapping[str, Any]
    keep: Callable[[Record], bool] = lambda r: True

    def __call__(self, fetched_at: datetime, step_params: Mapping[str, Any] | None = None,
                 exchanges: Exchanges | None = None) -> list[Record]:
        params = dict(self.params if step_params is None else step_params)
        return [r for r in fetch_records(self.connector, params, self.served(), fetched_at, exchanges) if self.keep(r)]


def _file(path: str, name: str) -> Callable[[], Served]:
    return lambda: [(path, load(name))]


# --- derived upstream bodies ----------------------------------------------------------------


def frankfurter_rebased(base: str, quotes: list[str]) -> Callable[[], Served]:
    """Frankfurter's answer to ``/v1/latest?base=BASE&symbols=...``, rebased from the EUR table
    (quote / base, as the API does server-side; 5 decimals under 10, else 2)."""

    def served() -> Served:
        p = load("v1_latest_eur_all.json")
        table = {"EUR": 1.0, **p["rates"]}
        rates = {}
        for q in quotes:
            rate = table[q] / table[base]
            rates[q] = round(rate, 5 if rate < 10 else 2)
        body = {"amount": 1.0, "base": base, "date": p["date"], "rates": rates}
        return [("/v1/latest", body)]

    return served


# Calendar days each Yahoo range spans back from the last bar ("5d" is five bars).
_YAHOO_SPANS = {"1mo": 31, "3mo": 92}


def yahoo_ranges(name: str) -> Callable[[], Served]:
    """Yahoo's chart answer for the range a request asks for, from one range=6mo recording.

    range=6mo (and 1y, which this recording cannot cover: the connector then keeps the 127
    bars it gets) is the recording verbatim. A shorter range is the recording cut to that
    range's bars, with ``meta.range`` and ``meta.chartPreviousClose`` (the close before the
    first bar) set as Yahoo sets them: the same figures a real short-range answer carries.
    """

    def answer(query: dict[str, str]) -> Any:
        body = load(name)
        result = body["chart"]["result"][0]
        wanted = query.get("range", result["meta"]["range"])
        stamps: list[int] = result["timestamp"]
        if wanted == "5d":
            first = len(stamps) - 5
        elif wanted in _YAHOO_SPANS:
            cutoff = stamps[-1] - _YAHOO_SPANS[wanted] * 86400
            first = next(i for i, t in enumerate(stamps) if t > cutoff)
        else:
            return body
        quote = result["indicators"]["quote"][0]
        result["meta"]["chartPreviousClose"] = quote["close"][first - 1]
        result["meta"]["range"] = wanted
        result["timestamp"] = stamps[first:]
        for key in list(quote):
            quote[key] = quote[key][first:]
        for adj in result["indicators"].get("adjclose", []):
            adj["adjclose"] = adj["adjclose"][first:]
        for kind, events in result.get("events", {}).items():  # dividends, splits: those in the range
            result["events"][kind] = {k: e for k, e in events.items() if int(e.get("date", k)) >= stamps[first]}
        return body

    return lambda: [(YAHOO, answer)]


def upbit_markets(name: str) -> Callable[[], Served]:
    """Upbit's ticker answer to ``?markets=A,B``: the recorded entries for those markets only,
    in the order asked, as Upbit filters server-side (the recording holds KRW-BTC and KRW-ETH)."""

    def answer(query: dict[str, str]) -> Any:
        by_market = {entry["market"]: entry for entry in load(name)}
        return [by_market[m] for m in query["markets"].split(",") if m in by_market]

    return lambda: [("/v1/ticker", answer)]


def coingecko_ids(name: str) -> Callable[[], Served]:
    """CoinGecko's ``/simple/price?ids=...`` answer: the recorded coins asked for only, as the
    API answers (the recording holds bitcoin and ethereum)."""

    def answer(query: dict[str, str]) -> Any:
        body = load(name)
        return {coin: body[coin] for coin in query["ids"].split(",") if coin in body}

    return lambda: [("/api/v3/simple/price", answer)]


def open_meteo_asked(path: str, name: str) -> Callable[[], Served]:
    """Open-Meteo's answer to a forecast or air-quality request: the recording with only the
    ``current``/``hourly``/``daily`` variables the request names (and their units), and at most
    ``forecast_days`` days, as the API answers. Variables the recording lacks stay absent."""

    def answer(query: dict[str, str]) -> Any:
        body = load(name)
        days = int(query.get("forecast_days", 0)) or None
        for section, per_day in (("current", None), ("hourly", 24), ("daily", 1)):
            asked = set(query.get(section, "").split(",")) - {""}
            if not asked:
                body.pop(section, None)
                body.pop(section + "_units", None)
                continue
            for key in (section, section + "_units"):
                if key in body:
                    body[key] = {k: v for k, v in body[key].items() if k in asked or k in ("time", "interval")}
            if per_day and days and section in body:
                body[section] = {k: v[: per_day * days] for k, v in body[section].items()}
        return body

    return lambda: [(path, answer)]


def geocoding_answer(name: str, latitude: float, longitude: float, country_code: str, country: str,
                     admin1: str, timezone_name: str, geonames_id: int) -> Callable[[], Served]:
    """Open-Meteo's geocoding answer for a city no recording covers, in the recorded
    Enschede answer's exact shape (GeoNames id, coordinates and zone are public facts)."""

    def served() -> Served:
        shape = load("geocoding_enschede.json")["results"][0]
        place = {**shape, "id": geonames_id, "name": name, "latitude": latitude, "longitude": longitude,
                 "country_code": country_code, "country": country, "admin1": admin1, "timezone": timezone_name}
        for key in ("admin1_id", "admin2_id", "admin2", "postcodes", "population", "country_id", "elevation"):
            place.pop(key, None)
        return [("/v1/search", {"results": [place], "generationtime_ms": 0.5})]

    return served


def _both(*parts: Callable[[], Served]) -> Callable[[], Served]:
    return lambda: [answer for part in parts for answer in part()]


# --- builders -----------------------------------------------------------------------------

YAHOO = r"/v8/finance/chart/[^/?]+"

NEW_YORK = geocoding_answer("New York", 40.71427, -74.00597, "US", "United States", "New York", "America/New_York", 5128581)
LISBON = geocoding_answer("Lisbon", 38.71667, -9.13333, "PT", "Portugal", "Lisbon", "Europe/Lisbon", 2267057)

UPBIT_TICKER = upbit_markets("ticker_krw_btc_eth.json")
COINGECKO_PRICE = coingecko_ids("simple_price_btc_eth_include_all.json")
UPBIT_BTC_HISTORY = _both(UPBIT_TICKER,
                          _file("/v1/candles/days", "candles_days_krw_btc_count2.json"))

BUILDERS: dict[str, Recording] = {
    "weather_newyork": Recording("weather", _both(NEW_YORK, open_meteo_asked("/v1/forecast", "forecast_current_hourly_newyork.json")),
                                 {"place": "New York"}),
    "weather_lisbon": Recording("weather", _both(LISBON, open_meteo_asked("/v1/forecast", "forecast_current_daily_unixtime_lisbon.json")),
                                {"place": "Lisbon", "days": 7, "hours": 0}),
    "air_enschede": Recording("air", _both(_file("/v1/search", "geocoding_enschede.json"),
                                           open_meteo_asked("/v1/air-quality", "air_quality_current_hourly_trimmed.json")),
                              {"place": "Enschede", "hours": 0}),
    "fx_usd_krw": Recording("fx", frankfurter_rebased("USD", ["KRW"]), {"base": "USD", "symbols": "KRW"}),
    "fx_eur_krw": Recording("fx", frankfurter_rebased("EUR", ["KRW"]), {"base": "EUR", "symbols": "KRW"}),
    "fx_jpy_krw": Recording("fx", frankfurter_rebased("JPY", ["KRW"]), {"base": "JPY", "symbols": "KRW"}),
    "fx_eur_jpy": Recording("fx", frankfurter_rebased("EUR", ["JPY"]), {"base": "EUR", "symbols": "JPY"}),
    "fx_krw_usd": Recording("fx", frankfurter_rebased("KRW", ["USD"]), {"base": "KRW", "symbols": "USD"}),
    "fx_usd_majors": Recording("fx", frankfurter_rebased("USD", ["EUR", "GBP", "JPY", "KRW"]),
                               {"base": "USD", "symbols": "EUR,GBP,JPY,KRW"}),
    "fx_usd_jpy": Recording("fx", frankfurter_rebased("USD", ["JPY"]), {"base": "USD", "symbols": "JPY"}),
    "fx_usd_eur": Recording("fx", _file("/v1/latest", "v1_latest_base_usd_symbols_eur_captured_2026-07-30.json"),
                            {"base": "USD", "symbols": "EUR"}),
    "upbit_btc": Recording("crypto", UPBIT_TICKER, {"market": "KRW-BTC", "days": 0}),
    "upbit_eth": Recording("crypto", UPBIT_TICKER, {"market": "KRW-ETH", "days": 0}),
    # The candle recording holds two days (count=2): it answers any count with those two.
    "upbit_btc_history": Recording("crypto", UPBIT_BTC_HISTORY, {"market": "KRW-BTC", "days": 2}),
    "upbit_btc_candles": Recording("crypto", UPBIT_BTC_HISTORY, {"market": "KRW-BTC", "days": 2},
                                   keep=lambda r: r.kind == "crypto.daily"),
    "coingecko_btc": Recording("crypto", COINGECKO_PRICE,
                               {"coin": "bitcoin", "vs": "usd", "days": 0}),
    "coingecko_eth": Recording("crypto", COINGECKO_PRICE,
                               {"coin": "ethereum", "vs": "usd", "days": 0}),
    "coingecko_btc_chart": Recording(
        "crypto", _both(COINGECKO_PRICE,
                        _file("/api/v3/coins/bitcoin/market_chart", "market_chart_bitcoin_usd_days1_trimmed_pycoingecko.json")),
        {"coin": "bitcoin", "vs": "usd", "days": 1}, keep=lambda r: r.kind == "crypto.daily",
    ),
    # Yahoo's real range=6mo answer, cut to shorter ranges (see yahoo_ranges).
    "yahoo_aapl": Recording("stocks", yahoo_ranges("chart_AAPL_range6mo_interval1d_2025-10-29.json"),
                            {"symbol": "AAPL", "provider": "yahoo", "days": 124}),
    "yahoo_gs2c": Recording("stocks", _file(YAHOO, "chart_GS2C.DE_range5d_interval1d_2025-10-29.json"),
                            {"symbol": "GS2C.DE", "provider": "yahoo", "days": 4}),
    "yahoo_samsung": Recording("stocks", lambda: [(YAHOO, {"chart": {"result": [load("chart_meta_005930.KS_2023-09-01_extract.json")],
                                                                      "error": None}})],
                               {"symbol": "005930.KS", "provider": "yahoo", "days": 0}),
}

# The raw payload file(s) each builder reads, for the bench's "raw API payload" baseline.
def raw_payload_json(exchanges: Exchanges) -> str:
    """The upstream answers of a fetch as compact JSON: what a naive tool loop hands the model.
    Place look-ups (geocoding) are left out: a tool would return the forecast, not the search."""
    return "".join(json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":"))
                   for url, body in exchanges if "/v1/search" not in url)


def later(dt: datetime, minutes: int) -> datetime:
    return dt + timedelta(minutes=minutes)
