"""``crypto``: coin prices, change and daily candles — Upbit (KRW markets) or CoinGecko.

``market=KRW-BTC`` asks Upbit, the exchange Korean users trade on; its change is against
the previous daily close (days roll over at 00:00 UTC = 09:00 KST). ``coin=bitcoin vs=usd``
asks CoinGecko's aggregate price, whose change is over a rolling 24 hours. The record says
which (``change_basis``), because the two figures are not comparable.

Limits: Upbit's quotation API allows 10 requests/second per IP (its ``Remaining-Req``
header counts down; at 0 we pause the host for a second). CoinGecko's keyless API allows
roughly 5-15 calls/minute, 30 with a demo key (``COINGECKO_API_KEY``, sent as a header so it
never appears in a URL).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, ClassVar, Literal, Self
from urllib.parse import quote as urlquote, urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from connectors.base import Connector, ConnectorParams
from connectors.errors import ConnectorError
from connectors.errors import NotFound, RateLimited, SchemaDriftError
from connectors.http import HttpResponse
from connectors.transfer import NO_CREDENTIALS, Credentials
from connectors.ratelimit import Rate
from connectors.records import Observation, Record, Scalar, Series, SeriesPoint
from connectors.shape import require_dict, require_epoch, require_list, require_number, require_str

UPBIT = "Upbit"
COINGECKO = "CoinGecko"
KST = ZoneInfo("Asia/Seoul")
UPBIT_RATE = Rate(10, 1.0)
COINGECKO_RATE = Rate(10, 60.0)
COINGECKO_DEMO_RATE = Rate(30, 60.0)

KOREAN_COINS: dict[str, str] = {
    "비트코인": "KRW-BTC", "이더리움": "KRW-ETH", "리플": "KRW-XRP", "엑스알피": "KRW-XRP",
    "솔라나": "KRW-SOL", "도지코인": "KRW-DOGE", "에이다": "KRW-ADA", "트론": "KRW-TRX",
}
_MARKET = re.compile(r"^[A-Z]{3,5}-[A-Z0-9]{1,15}$")
# CoinGecko ids of the coins people name most, with their exchange tickers: lets a record's
# subject ("bitcoin/usd", "KRW-BTC") say which coin it prices, whichever source answered.
GECKO_TICKERS: dict[str, str] = {
    "bitcoin": "BTC", "ethereum": "ETH", "ripple": "XRP", "solana": "SOL", "dogecoin": "DOGE",
    "cardano": "ADA", "tron": "TRX",
}

# 비트코인 → bitcoin: the Korean names Upbit's markets take, for CoinGecko's ids too.
KOREAN_GECKO_IDS: dict[str, str] = {
    korean: gecko for korean, market in KOREAN_COINS.items()
    for gecko, ticker in GECKO_TICKERS.items() if market == f"KRW-{ticker}"
}


def coin_of_subject(subject: str) -> str | None:
    """The ticker a crypto record's subject names: 'KRW-BTC' → 'BTC', 'bitcoin/usd' → 'BTC'."""
    if "/" in subject:
        return GECKO_TICKERS.get(subject.split("/", 1)[0].lower())
    if "-" in subject:
        return subject.rsplit("-", 1)[1].upper()
    return None


class CryptoParams(ConnectorParams):
    market: str | None = Field(
        None, description="Upbit market QUOTE-COIN (a bare coin means KRW-COIN)", examples=["KRW-BTC", "KRW-ETH", "비트코인"]
    )
    coin: str | None = Field(None, description="CoinGecko coin id", examples=["bitcoin", "ethereum"])
    vs: str | None = Field(None, description="currency for coin= (default usd)", examples=["usd", "krw"])
    days: int = Field(7, ge=0, le=200, description="daily candles to include (0 = price only)", examples=[7])

    @field_validator("market")
    @classmethod
    def _market(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = KOREAN_COINS.get(value.strip(), value.strip().upper())
        if "-" not in value:
            value = f"KRW-{value}"
        if not _MARKET.match(value):
            raise ValueError(f"{value!r} is not an Upbit market such as KRW-BTC")
        return value

    @field_validator("coin")
    @classmethod
    def _coin(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = KOREAN_GECKO_IDS.get(value.strip(), value.strip().lower())
        if not re.fullmatch(r"[a-z0-9][a-z0-9\-]{0,79}", value):
            raise ValueError(f"{value!r} is not a CoinGecko coin id such as bitcoin or ethereum")
        return value

    @field_validator("vs")
    @classmethod
    def _vs(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower()
        if not re.fullmatch(r"[a-z]{3,5}", value):
            raise ValueError(f"{value!r} is not a currency such as usd, krw, eur")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if bool(self.market) == bool(self.coin):
            raise ValueError("give either market= (Upbit, e.g. market=KRW-BTC) or coin= (CoinGecko, e.g. coin=bitcoin)")
        if self.market and self.vs:
            raise ValueError("vs= goes with coin=; an Upbit market names its currency (KRW-BTC)")
        return self


class CryptoQuote(Observation):
    kind: Literal["crypto.quote"] = "crypto.quote"
    exchange: str  # "Upbit" or "CoinGecko (aggregate)"
    currency: str
    price: float
    change: float | None = None
    change_pct: float | None = None
    change_basis: str
    high: float | None = None
    low: float | None = None
    volume_24h: float | None = None  # in coin units
    turnover_24h: float | None = None  # in `currency`
    market_cap: float | None = None


class CryptoDaily(Series):
    kind: Literal["crypto.daily"] = "crypto.daily"
    currency: str


class CryptoConnector(Connector[CryptoParams]):
    name: ClassVar[str] = "crypto"
    description: ClassVar[str] = "coin price, change and daily candles: Upbit KRW markets or CoinGecko"
    domain: ClassVar[str] = "finance"
    answer_fields: ClassVar[tuple[str, ...]] = ("price", "change", "^market$", "currency", "close")
    source: ClassVar[str] = "Upbit / CoinGecko"
    params_model = CryptoParams
    record_types = (CryptoQuote, CryptoDaily)
    examples = ("market=KRW-BTC", "market=KRW-ETH days=30", "coin=bitcoin vs=usd", "coin=ethereum vs=krw days=0")
    ttl_seconds = 30.0  # prices move by the second; a question's worth of reuse only
    key_settings = ("coingecko_api_key",)
    base_url_settings = ("upbit_url", "coingecko_url")

    def fetch(self, params: CryptoParams) -> list[Record]:
        if params.market:
            return self._upbit(params.market, params.days)
        assert params.coin is not None
        return self._coingecko(params.coin, params.vs or "usd", params.days)

    # -- Upbit -----------------------------------------------------------------------------
    def _upbit_get(self, path: str, query: dict[str, str | int | float], market: str) -> tuple[HttpResponse, Any]:
        base = self.ctx.base_url("upbit_url")
        response = self.ctx.http.get(f"{base}{path}", params=query, source=UPBIT, rate=UPBIT_RATE)
        self._upbit_budget(response, urlsplit(base).netloc)
        if response.status == 404:
            raise NotFound(
                f"unknown Upbit market {market!r}: {response.upstream_message()}",
                hint="Upbit markets look like KRW-BTC, KRW-ETH, BTC-ETH; for other coins try coin=<coingecko id>",
            )
        if response.status == 418:
            raise RateLimited(
                f"Upbit has temporarily blocked this IP for exceeding its rate limit (HTTP 418): {response.upstream_message()}",
                hint="wait several minutes before asking Upbit again",
            )
        response.raise_for_status()
        return response, response.json()

    def _upbit_budget(self, response: HttpResponse, host: str) -> None:
        # "group=ticker; min=600; sec=9": requests left in this second for the group.
        match = re.search(r"sec=(\d+)", response.headers.get("Remaining-Req", ""))
        if match and int(match.group(1)) == 0:
            self.ctx.http.limiter.hold(host, 1.0)

    def _upbit(self, market: str, days: int) -> list[Record]:
        response, body = self._upbit_get("/v1/ticker", {"markets": market}, market)
        payload = require_list(body, source=UPBIT)
        tickers = [t for t in payload if isinstance(t, dict) and t.get("market") == market]
        if not tickers:
            raise SchemaDriftError(f"{UPBIT} ticker response has no entry for {market}: field '[].market'", field="[].market")
        index = payload.index(tickers[0])
        currency, _, coin = market.partition("-")

        def num(name: str, nullable: bool = False) -> float | None:
            return require_number(payload, index, name, source=UPBIT, nullable=nullable)

        as_of = require_epoch(payload, index, "trade_timestamp", source=UPBIT, tz=KST, per_second=1000)
        rate = num("signed_change_rate")
        records: list[Record] = [
            CryptoQuote(
                **self.provenance(response),
                subject=market,
                as_of=as_of,
                units={"price": currency, "change": currency, "change_pct": "%", "high": currency, "low": currency,
                       "volume_24h": coin, "turnover_24h": currency},
                exchange=UPBIT,
                currency=currency,
                price=num("trade_price") or 0.0,
                change=num("signed_change_price", True),
                change_pct=None if rate is None else round(rate * 100, 4),
                change_basis="since the previous daily close (00:00 UTC = 09:00 KST)",
                high=num("high_price", True),
                low=num("low_price", True),
                volume_24h=num("acc_trade_volume_24h", True),
                turnover_24h=num("acc_trade_price_24h", True),
            )
        ]
        if days:
            return records + self._history_or_note(records, lambda: self._upbit_candles(market, days, currency, coin))
        return records

    def _history_or_note(self, records: list[Record], fetch_history: Any) -> list[Record]:
        """The daily history, or (when only that request fails) a note on the price record: the
        price that did arrive is kept, and the failure is said to be the history's alone."""
        try:
            history: list[Record] = fetch_history()
        except SchemaDriftError:
            raise  # the source changed shape: a defect to surface, not a gap to note
        except ConnectorError as exc:
            note = f"daily history not available ({type(exc).__name__}: {exc.message}); the price above is current"
            records[0] = records[0].model_copy(update={"note": f"{records[0].note}; {note}" if records[0].note else note})
            return []
        return history

    def _upbit_candles(self, market: str, days: int, currency: str, coin: str) -> list[Record]:
        records: list[Record] = []
        if days:
            candle_response, body = self._upbit_get("/v1/candles/days", {"market": market, "count": days}, market)
            candles = require_list(body, source=UPBIT)
            points = []
            for i, _ in enumerate(candles):
                when = require_str(candles, i, "candle_date_time_kst", source=UPBIT)
                values: dict[str, Scalar] = {
                    name: require_number(candles, i, field, source=UPBIT)
                    for name, field in (("open", "opening_price"), ("high", "high_price"), ("low", "low_price"),
                                        ("close", "trade_price"), ("volume", "candle_acc_trade_volume"))
                }
                points.append(SeriesPoint(time=_kst(when, f"[{i}].candle_date_time_kst"), values=values))
            points.sort(key=lambda p: p.time)
            if points:
                records.append(
                    CryptoDaily(
                        **self.provenance(candle_response), subject=market, as_of=points[-1].time, currency=currency, points=points,
                        units={"open": currency, "high": currency, "low": currency, "close": currency, "volume": coin},
                        note="daily candles start 09:00 KST; the last one is still forming",
                    )
                )
        return records

    # -- CoinGecko -------------------------------------------------------------------------
    def _coingecko_get(
        self, path: str, query: dict[str, str | int | float], coin: str, *, history: bool = False
    ) -> tuple[HttpResponse, Any]:
        base = self.ctx.base_url("coingecko_url")
        key = self.ctx.secret("coingecko_api_key")
        credentials = Credentials(headers={"x-cg-demo-api-key": key}) if key else NO_CREDENTIALS
        response = self.ctx.http.get(
            f"{base}{path}", params=query, credentials=credentials, source=COINGECKO,
            rate=COINGECKO_DEMO_RATE if key else COINGECKO_RATE,
        )
        if response.status == 404:
            if history:  # the price of this coin was found a moment ago: the coin is not unknown
                raise NotFound(f"CoinGecko has no daily history for {coin!r} here: {response.upstream_message()}")
            raise NotFound(f"unknown CoinGecko coin {coin!r}: {response.upstream_message()}", hint=_COIN_HINT)
        response.raise_for_status()
        return response, response.json()

    def _coingecko(self, coin: str, vs: str, days: int) -> list[Record]:
        query: dict[str, str | int | float] = {
            "ids": coin, "vs_currencies": vs, "include_market_cap": "true", "include_24hr_vol": "true",
            "include_24hr_change": "true", "include_last_updated_at": "true",
        }
        response, body = self._coingecko_get("/api/v3/simple/price", query, coin)
        payload = require_dict(body, source=COINGECKO)
        if coin not in payload:
            # Unknown ids are not an error status: the answer is simply {}.
            raise NotFound(f"unknown CoinGecko coin {coin!r}: the price answer was empty", hint=_COIN_HINT)
        entry = require_dict(payload, coin, source=COINGECKO)
        if vs not in entry:
            raise NotFound(f"CoinGecko has no {vs.upper()} price for {coin!r}", hint="try vs=usd, vs=krw or vs=eur")
        currency = vs.upper()
        updated = require_epoch(payload, coin, "last_updated_at", source=COINGECKO, tz=timezone.utc)
        provenance = self.provenance(response)
        records: list[Record] = [
            CryptoQuote(
                **provenance,
                subject=f"{coin}/{vs}",
                as_of=updated,
                units={"price": currency, "change_pct": "%", "turnover_24h": currency, "market_cap": currency},
                exchange=f"{COINGECKO} (aggregate)",
                currency=currency,
                price=require_number(payload, coin, vs, source=COINGECKO) or 0.0,
                change_pct=require_number(payload, coin, f"{vs}_24h_change", source=COINGECKO, nullable=True),
                change_basis="over the last 24 hours (rolling)",
                turnover_24h=require_number(payload, coin, f"{vs}_24h_vol", source=COINGECKO, nullable=True),
                market_cap=require_number(payload, coin, f"{vs}_market_cap", source=COINGECKO, nullable=True),
            )
        ]
        if days:
            return records + self._history_or_note(records, lambda: self._coingecko_chart(coin, vs, days, currency))
        return records

    def _coingecko_chart(self, coin: str, vs: str, days: int, currency: str) -> list[Record]:
        records: list[Record] = []
        if days:
            chart_response, body = self._coingecko_get(
                f"/api/v3/coins/{urlquote(coin)}/market_chart", {"vs_currency": vs, "days": days, "interval": "daily"}, coin,
                history=True,
            )
            chart = require_dict(body, source=COINGECKO)
            prices = require_list(chart, "prices", source=COINGECKO)
            points = []
            for i, _ in enumerate(prices):
                when = require_epoch(chart, "prices", i, 0, source=COINGECKO, tz=timezone.utc, per_second=1000)
                price = require_number(chart, "prices", i, 1, source=COINGECKO)
                points.append(SeriesPoint(time=when, values={"price": price}))
            if points:
                records.append(
                    CryptoDaily(
                        **self.provenance(chart_response), subject=f"{coin}/{vs}", as_of=points[-1].time,
                        currency=currency, units={"price": currency}, points=points,
                    )
                )
        return records


_COIN_HINT = "CoinGecko ids are lower-case names (bitcoin, ethereum, ripple); for Upbit use market=KRW-BTC"


def _kst(text: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise SchemaDriftError(f"{UPBIT} response has an unreadable time {text!r}: field '{field}'", field=field) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=KST)
