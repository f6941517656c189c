"""The ``stocks`` connector's params and records.

``stocks``: a share's latest price, change and daily bars — Yahoo chart API or Alpha Vantage.

Yahoo's chart endpoint needs no key and covers Korean listings (005930.KS), but it is
unofficial: it can refuse a client at any time, and we say so plainly when it does. With
``ALPHAVANTAGE_API_KEY`` set, a Yahoo refusal falls back to Alpha Vantage (official, 25
requests/day on the free key, few non-US listings); ``provider=`` picks one explicitly.
Korean company names for the largest listings (삼성전자, SK하이닉스, ...) and bare six-digit
KRX codes (005930 -> 005930.KS) are accepted.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from connectors.base import ConnectorParams
from connectors.records import Observation, Series
from connectors.stocks.listings import symbol_for_name

_SYMBOL = re.compile(r"^[A-Z0-9^][A-Z0-9.\-=^]{0,23}$")


class StocksParams(ConnectorParams):
    symbol: str = Field(
        description="ticker as the source writes it (AAPL, 005930.KS, GS2C.DE), a KRX code or a Korean name",
        examples=["AAPL", "005930.KS", "삼성전자"],
    )
    # Up to about a year of trading days; Alpha Vantage's free daily series holds the last 100.
    days: int = Field(5, ge=0, le=250, description="daily bars to include (0 = quote only; at most 100 from Alpha Vantage)", examples=[5])
    provider: Literal["auto", "yahoo", "alphavantage"] = Field(
        "auto", description="auto: Yahoo, then Alpha Vantage if its key is set", examples=["yahoo"]
    )

    @field_validator("symbol")
    @classmethod
    def _symbol(cls, value: str) -> str:
        value = value.strip()
        value = symbol_for_name(value).upper()
        if re.fullmatch(r"\d{6}", value):
            value += ".KS"  # a bare KRX code: KOSPI is the common case; KOSDAQ needs .KQ
        if not _SYMBOL.match(value):
            raise ValueError(f"{value!r} is not a ticker such as AAPL, 005930.KS or BRK-B")
        return value


class StockQuote(Observation):
    kind: Literal["stocks.quote"] = "stocks.quote"
    provider: str
    symbol: str
    name: str | None = None
    exchange: str | None = None
    currency: str | None = None
    price: float
    previous_close: float | None = None
    change: float | None = None
    change_pct: float | None = None
    day_high: float | None = None
    day_low: float | None = None
    volume: float | None = None


class StockDaily(Series):
    kind: Literal["stocks.daily"] = "stocks.daily"
    provider: str
    symbol: str
    currency: str | None = None
