"""``stocks``: a share's latest price, change and daily bars — Yahoo chart API or Alpha Vantage.

Yahoo's chart endpoint needs no key and covers Korean listings (005930.KS), but it is
unofficial: it can refuse a client at any time, and we say so plainly when it does. With
``ALPHAVANTAGE_API_KEY`` set, a Yahoo refusal falls back to Alpha Vantage (official, 25
requests/day on the free key, few non-US listings); ``provider=`` picks one explicitly.
Korean company names for the largest listings (삼성전자, SK하이닉스, ...) and bare six-digit
KRX codes (005930 -> 005930.KS) are accepted.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from connectors.base import Connector, ConnectorParams
from connectors.errors import AccessRefused, RateLimited, SourceUnavailable, UpstreamErrorBody
from connectors.records import Observation, Record, Series

KOREAN_LISTINGS: dict[str, str] = {
    "삼성전자": "005930.KS", "SK하이닉스": "000660.KS", "하이닉스": "000660.KS", "LG에너지솔루션": "373220.KS",
    "삼성바이오로직스": "207940.KS", "현대차": "005380.KS", "현대자동차": "005380.KS", "기아": "000270.KS",
    "셀트리온": "068270.KS", "NAVER": "035420.KS", "네이버": "035420.KS", "카카오": "035720.KS",
    "POSCO홀딩스": "005490.KS", "포스코홀딩스": "005490.KS", "LG화학": "051910.KS", "삼성SDI": "006400.KS",
    "KB금융": "105560.KS", "신한지주": "055550.KS", "에코프로비엠": "247540.KQ", "에코프로": "086520.KQ",
}
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
        value = KOREAN_LISTINGS.get(value, KOREAN_LISTINGS.get(value.upper(), value)).upper()
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


# Failures of Yahoo after which Alpha Vantage is worth asking (not "unknown symbol").
_FALLBACK_ON = (AccessRefused, RateLimited, SourceUnavailable, UpstreamErrorBody)


class StocksConnector(Connector[StocksParams]):
    name: ClassVar[str] = "stocks"
    description: ClassVar[str] = "share price, change and daily bars (Yahoo chart, keyless best effort; Alpha Vantage with a key)"
    source: ClassVar[str] = "Yahoo Finance / Alpha Vantage"
    params_model = StocksParams
    record_types = (StockQuote, StockDaily)
    examples = ("symbol=005930.KS", "symbol=삼성전자 days=10", "symbol=AAPL provider=alphavantage")
    ttl_seconds = 60.0
    key_settings = ("alphavantage_api_key",)
    base_url_settings = ("yahoo_url", "alphavantage_url")

    def fetch(self, params: StocksParams) -> list[Record]:
        from connectors import alphavantage, yahoo

        if params.provider == "alphavantage":
            return alphavantage.fetch_stock(self, params)
        if params.provider == "yahoo" or not self.ctx.secret("alphavantage_api_key"):
            return yahoo.fetch_stock(self, params)
        try:
            return yahoo.fetch_stock(self, params)
        except _FALLBACK_ON as exc:
            records = alphavantage.fetch_stock(self, params)
            note = f"Yahoo failed ({exc.message}); data from Alpha Vantage instead"
            return [r.model_copy(update={"note": f"{r.note}; {note}" if r.note else note}) for r in records]
