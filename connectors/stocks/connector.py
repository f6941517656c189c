"""The ``stocks`` connector: Yahoo's chart API first, Alpha Vantage when Yahoo refuses and a key is set."""

from __future__ import annotations

from typing import ClassVar

from connectors.base import Connector
from connectors.errors import AccessRefused, RateLimited, SourceUnavailable, UpstreamErrorBody
from connectors.records import Record
from connectors.stocks import alphavantage, yahoo
from connectors.stocks.models import StockDaily, StockQuote, StocksParams

# Failures of Yahoo after which Alpha Vantage is worth asking (not "unknown symbol").
_FALLBACK_ON = (AccessRefused, RateLimited, SourceUnavailable, UpstreamErrorBody)


class StocksConnector(Connector[StocksParams]):
    name: ClassVar[str] = "stocks"
    description: ClassVar[str] = "share price, change and daily bars (Yahoo chart, keyless best effort; Alpha Vantage with a key)"
    domain: ClassVar[str] = "finance"
    answer_fields: ClassVar[tuple[str, ...]] = ("price", "change", "close", "currency", "symbol", "^name$")
    source: ClassVar[str] = "Yahoo Finance / Alpha Vantage"
    params_model = StocksParams
    record_types = (StockQuote, StockDaily)
    examples = ("symbol=005930.KS", "symbol=삼성전자 days=10", "symbol=AAPL provider=alphavantage")
    ttl_seconds = 60.0
    key_settings = ("alphavantage_api_key",)
    base_url_settings = ("yahoo_url", "alphavantage_url")

    def fetch(self, params: StocksParams) -> list[Record]:
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
