"""Alpha Vantage (``/query?function=GLOBAL_QUOTE``) for the ``stocks`` connector; needs a key.

Alpha Vantage reports most problems as HTTP 200 with a one-key body, so the body is checked
before anything else:

* ``{"Note": ...}`` or ``{"Information": ...}`` about request frequency or the daily
  allowance -> :class:`RateLimited` (not retried: the free key has 25 requests a day);
* ``{"Information": ...}`` about a premium endpoint or the ``demo`` key -> :class:`AccessRefused`;
* ``{"Error Message": ...}`` -> :class:`UpstreamErrorBody` (usually an unknown symbol);
* ``{"Global Quote": {}}`` -> :class:`NotFound`.

The live "daily limit" body echoes the caller's key ("We have detected your API key as
..."): every quoted text goes through the redactor, and the key is a query parameter, so
URLs are shown with ``apikey=[REDACTED]``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

from connectors.base import Connector
from connectors.errors import AccessRefused, NotFound, RateLimited, SchemaDriftError, UpstreamErrorBody
from connectors.http import Credentials, HttpResponse
from connectors.ratelimit import Rate
from connectors.records import Record, Scalar, SeriesPoint
from connectors.stocks.models import StockDaily, StockQuote, StocksParams
from connectors.shape import require_dict, require_echo, require_number, require_str


SOURCE = "Alpha Vantage"
# The free key's documented burst limit ("1 request per second"); 25 requests per day.
ALPHAVANTAGE_RATE = Rate(1, 1.0)
US_EASTERN = ZoneInfo("America/New_York")
_RATE_WORDS = ("rate limit", "requests per day", "call frequency", "spreading out", "per minute")


def check_body(payload: Any, response: HttpResponse, symbol: str) -> dict[str, Any]:
    body = require_dict(payload, source=SOURCE)
    text = response.upstream_message()  # scrubbed: the live body can contain the key
    if "Note" in body or ("Information" in body and any(w in text.lower() for w in _RATE_WORDS)):
        raise RateLimited(
            f"Alpha Vantage refused the request because of its rate limit: {text}",
            hint="the free key allows 25 requests per day and 1 per second; wait, or rely on Yahoo (provider=yahoo)",
        )
    if "Information" in body:
        lowered = text.lower()
        if "premium" in lowered or "demo" in lowered:
            raise AccessRefused(
                f"Alpha Vantage refused the request: {text}",
                hint="set ALPHAVANTAGE_API_KEY to your own free key (alphavantage.co/support/#api-key)",
            )
        raise UpstreamErrorBody(f"Alpha Vantage answered with a message instead of data: {text}")
    if "Error Message" in body:
        raise UpstreamErrorBody(
            f"Alpha Vantage rejected the call for {symbol!r}: {text}",
            hint="this usually means an unknown symbol; Alpha Vantage writes MSFT, IBM, TSCO.LON and lists few Korean shares",
        )
    return body


def _get(connector: Connector[Any], query: dict[str, str | int | float], symbol: str) -> tuple[HttpResponse, dict[str, Any]]:
    ctx = connector.ctx
    key = connector.require_key("alphavantage_api_key", "ALPHAVANTAGE_API_KEY", why="Alpha Vantage")
    base = ctx.base_url("alphavantage_url")
    response = ctx.http.get(
        f"{base}/query", params=query, credentials=Credentials(query={"apikey": key}), source=SOURCE,
        rate=ALPHAVANTAGE_RATE,
    )
    response.raise_for_status()
    return response, check_body(response.json(), response, symbol)


def _trading_day_close(day: str, symbol: str, *, field: str) -> datetime:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise SchemaDriftError(f"{SOURCE} response has an unreadable date {day!r}: field '{field}'", field=field) from None
    if "." in symbol:  # a non-US listing: its closing time is not known here
        return datetime.combine(parsed, time(0, 0), tzinfo=timezone.utc)
    return datetime.combine(parsed, time(16, 0), tzinfo=US_EASTERN)


def fetch_stock(connector: Connector[Any], params: StocksParams) -> list[Record]:

    symbol = params.symbol
    response, body = _get(connector, {"function": "GLOBAL_QUOTE", "symbol": symbol}, symbol)
    quote = require_dict(body, "Global Quote", source=SOURCE)
    if not quote:
        raise NotFound(
            f"unknown symbol {symbol!r} at Alpha Vantage (empty Global Quote)",
            hint="Alpha Vantage writes MSFT, IBM, TSCO.LON; for Korean shares use provider=yahoo with 005930.KS",
        )

    def num(name: str) -> float | None:
        return require_number(body, "Global Quote", name, source=SOURCE, nullable=True)

    day = require_str(body, "Global Quote", "07. latest trading day", source=SOURCE)
    pct_text = quote.get("10. change percent")
    change_pct = None
    if isinstance(pct_text, str) and pct_text.endswith("%"):
        try:
            change_pct = float(pct_text.rstrip("%"))
        except ValueError:
            raise SchemaDriftError(
                f"{SOURCE} response has {pct_text!r}: field 'Global Quote.10. change percent'",
                field="Global Quote.10. change percent",
            ) from None
    records: list[Record] = [
        StockQuote(
            **connector.provenance(response),
            subject=symbol,
            as_of=_trading_day_close(day, symbol, field="Global Quote.07. latest trading day"),
            units={"change_pct": "%", "volume": "shares"},
            provider=SOURCE,
            # Another symbol's figures (a cache or proxy in between) are refused, not relabelled.
            symbol=require_echo(body, "Global Quote", "01. symbol", requested=symbol, source=SOURCE),
            price=require_number(body, "Global Quote", "05. price", source=SOURCE) or 0.0,
            previous_close=num("08. previous close"),
            change=num("09. change"),
            change_pct=change_pct,
            day_high=num("03. high"),
            day_low=num("04. low"),
            volume=num("06. volume"),
            note="Alpha Vantage gives the trading day, not the time; currency is the listing's own",
        )
    ]
    if params.days:
        series_response, series = _get(connector, {"function": "TIME_SERIES_DAILY", "symbol": symbol}, symbol)
        require_echo(series, "Meta Data", "2. Symbol", requested=symbol, source=SOURCE)
        bars = require_dict(series, "Time Series (Daily)", source=SOURCE)
        points = []
        for day_key in sorted(bars)[-params.days:]:
            values: dict[str, Scalar] = {
                name: require_number(series, "Time Series (Daily)", day_key, field, source=SOURCE)
                for name, field in (("open", "1. open"), ("high", "2. high"), ("low", "3. low"),
                                    ("close", "4. close"), ("volume", "5. volume"))
            }
            when = _trading_day_close(day_key, symbol, field=f"Time Series (Daily).{day_key}")
            points.append(SeriesPoint(time=when, values=values))
        if points:
            records.append(
                StockDaily(
                    **connector.provenance(series_response), subject=symbol, as_of=points[-1].time,
                    provider=SOURCE, symbol=symbol, units={"volume": "shares"}, points=points,
                )
            )
    return records
