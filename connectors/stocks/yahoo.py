"""The Yahoo Finance chart endpoint (``/v8/finance/chart/SYMBOL``) for the ``stocks`` connector.

Unofficial and keyless: it may answer 401/403/429 to clients it does not like. Those become
:class:`~connectors.errors.AccessRefused` / ``RateLimited`` with a message that says so, so
the user knows to set ``ALPHAVANTAGE_API_KEY`` rather than debug their network. A symbol it
does not know is HTTP 404 with ``chart.error`` (sometimes HTTP 200 with ``result: null``).

The quote comes from ``chart.result[0].meta``; daily bars from ``timestamp`` and
``indicators.quote[0]``, which Yahoo omits when there were no trades in the range.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.base import Connector
from connectors.errors import AccessRefused, NotFound, SchemaDriftError
from connectors.ratelimit import Rate
from connectors.records import Record, Scalar, SeriesPoint
from connectors.stocks.models import StockDaily, StockQuote, StocksParams
from connectors.shape import epoch_time, require_dict, require_echo, require_epoch, require_list, require_number, require_str


SOURCE = "Yahoo Finance"
# Undocumented; stay well below what gets a client refused.
YAHOO_RATE = Rate(2, 1.0)


def _range_for(days: int) -> str:
    # Valid ranges are fixed words; ask for the smallest covering `days` bars plus the
    # previous close (trading days are ~5 per 7 calendar days).
    for words, trading_days in (("5d", 4), ("1mo", 20), ("3mo", 62), ("6mo", 124), ("1y", 250)):
        if days <= trading_days:
            return words
    return "1y"


def fetch_stock(connector: Connector[Any], params: StocksParams) -> list[Record]:

    ctx = connector.ctx
    base = ctx.base_url("yahoo_url")
    response = ctx.http.get(
        f"{base}/v8/finance/chart/{quote(params.symbol, safe='.^=-')}",
        params={"range": _range_for(params.days), "interval": "1d"},
        source=SOURCE,
        rate=YAHOO_RATE,
    )
    if response.status in (401, 403):
        raise AccessRefused(
            f"Yahoo Finance refused the keyless chart request for {params.symbol} (HTTP {response.status}: "
            f"{response.upstream_message()}); this endpoint is unofficial and best effort",
            hint="set ALPHAVANTAGE_API_KEY to use Alpha Vantage (free key at alphavantage.co), or try again later",
        )
    body = response.json() if response.status == 404 or response.ok else None
    if body is not None:
        chart = body.get("chart") if isinstance(body, dict) else None
        error = chart.get("error") if isinstance(chart, dict) else None
        if error or response.status == 404:
            raise NotFound(
                f"unknown symbol {params.symbol!r} at Yahoo Finance: {response.upstream_message()}",
                hint="Yahoo writes exchange suffixes: 005930.KS (KOSPI), 035720.KQ (KOSDAQ), 7203.T, GS2C.DE",
            )
    response.raise_for_status()
    meta = require_dict(body, "chart", "result", 0, "meta", source=SOURCE)
    tz = _zone(meta)
    # Another symbol's chart (a cache or proxy in between) would be shown as this one's.
    symbol = require_echo(body, "chart", "result", 0, "meta", "symbol", requested=params.symbol, source=SOURCE)
    price = require_number(body, "chart", "result", 0, "meta", "regularMarketPrice", source=SOURCE) or 0.0
    as_of = require_epoch(body, "chart", "result", 0, "meta", "regularMarketTime", source=SOURCE, tz=tz)
    currency = meta.get("currency") if isinstance(meta.get("currency"), str) else None
    bars = _bars(body, tz)
    previous = _number(meta.get("previousClose"))
    if previous is None and bars:
        same_day = bars[-1].time.date() == as_of.date()
        closes = [p.values["close"] for p in bars if p.values.get("close") is not None]
        if same_day and len(closes) >= 2:
            previous = float(closes[-2])  # type: ignore[arg-type]
        elif not same_day and closes:
            previous = float(closes[-1])  # type: ignore[arg-type]
    change = None if previous is None else round(price - previous, 6)
    provenance = connector.provenance(response)
    units = {k: currency for k in ("price", "previous_close", "change", "day_high", "day_low") if currency}
    units.update({"change_pct": "%", "volume": "shares"})
    records: list[Record] = [
        StockQuote(
            **provenance,
            subject=symbol,
            as_of=as_of,
            units=units,
            provider=SOURCE,
            symbol=symbol,
            name=meta.get("longName") or meta.get("shortName"),
            exchange=meta.get("fullExchangeName") or meta.get("exchangeName"),
            currency=currency,
            price=price,
            previous_close=previous,
            change=change,
            change_pct=None if not previous else round((price - previous) / previous * 100, 4),
            day_high=_number(meta.get("regularMarketDayHigh")),
            day_low=_number(meta.get("regularMarketDayLow")),
            volume=_number(meta.get("regularMarketVolume")),
            note="Yahoo's chart endpoint is unofficial (best effort)",
        )
    ]
    if params.days and bars:
        points = bars[-params.days:]
        records.append(
            StockDaily(
                **provenance, subject=symbol, as_of=points[-1].time, provider=SOURCE, symbol=symbol, currency=currency,
                units={**{k: currency for k in ("open", "high", "low", "close") if currency}, "volume": "shares"},
                points=points,
            )
        )
    return records


def _zone(meta: dict[str, Any]) -> tzinfo:
    name = meta.get("exchangeTimezoneName")
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = meta.get("gmtoffset")
    return timezone(timedelta(seconds=offset)) if isinstance(offset, (int, float)) else timezone.utc


def _number(value: Any) -> float | None:
    # A non-finite figure is left out like a gap; the record boundary would refuse it anyway.
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _bars(body: Any, tz: tzinfo) -> list[SeriesPoint]:
    result = require_dict(body, "chart", "result", 0, source=SOURCE)
    if "timestamp" not in result or "indicators" not in result:
        return []  # no trades in the range: Yahoo leaves both out
    stamps = require_list(body, "chart", "result", 0, "timestamp", source=SOURCE)
    columns: dict[str, list[Any]] = {}
    for name in ("open", "high", "low", "close", "volume"):
        column = require_list(body, "chart", "result", 0, "indicators", "quote", 0, name, source=SOURCE)
        if len(column) != len(stamps):
            field = f"chart.result[0].indicators.quote[0].{name}"
            raise SchemaDriftError(f"{SOURCE} response has {len(column)} values for {len(stamps)} times: field '{field}'", field=field)
        columns[name] = column
    points = []
    for i, stamp in enumerate(stamps):
        if columns["close"][i] is None:
            continue  # holidays and halted days come as nulls
        values: dict[str, Scalar] = {name: _number(col[i]) for name, col in columns.items()}
        when = epoch_time(stamp, tz, source=SOURCE, field=f"chart.result[0].timestamp[{i}]")
        points.append(SeriesPoint(time=when, values=values))
    return points
