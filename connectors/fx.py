"""``fx``: ECB reference exchange rates from Frankfurter v1 (api.frankfurter.dev, no key).

The ECB publishes one set of rates per working day, around 16:00 CET; ``as_of`` is that
moment on the rate's date. Asking for a weekend or holiday gives the previous working
day's rates, as the API itself resolves it, and the record says so. KRW is among the ~30
currencies the ECB publishes; Korean currency words (원, 달러, 엔 ...) are accepted too.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from connectors.base import Connector, ConnectorParams
from connectors.errors import InvalidParams, NotFound, SchemaDriftError
from connectors.http import HttpResponse
from connectors.records import Observation, Record, Series, SeriesPoint
from connectors.shape import mismatch, require_dict, require_echo, require_number, require_str

SOURCE = "Frankfurter (ECB reference rates)"
ECB_ZONE = ZoneInfo("Europe/Berlin")
ECB_PUBLISHED = time(16, 0)
ECB_FIRST_DATE = date(1999, 1, 4)

CURRENCY_WORDS: dict[str, str] = {
    "원": "KRW", "원화": "KRW", "달러": "USD", "미국달러": "USD", "불": "USD", "엔": "JPY", "엔화": "JPY",
    "유로": "EUR", "위안": "CNY", "위안화": "CNY", "파운드": "GBP", "홍콩달러": "HKD", "스위스프랑": "CHF",
}


def _currency(code: str) -> str:
    code = CURRENCY_WORDS.get(code.strip(), code.strip())
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(f"{code!r} is not a 3-letter currency code such as USD, KRW, EUR")
    return code.upper()


class FxParams(ConnectorParams):
    base: str = Field("EUR", description="base currency (3 letters)", examples=["USD", "EUR", "달러"])
    symbols: str | None = Field(
        None, description="quote currencies, comma-separated (default: all ECB currencies)", examples=["KRW", "KRW,JPY"]
    )
    amount: float = Field(1.0, gt=0, description="amount of the base currency to convert", examples=[100])
    date: dt.date | None = Field(None, description="rates of this day (YYYY-MM-DD) instead of the latest", examples=["2025-03-14"])
    start: dt.date | None = Field(None, description="first day of a series (YYYY-MM-DD)", examples=["2025-01-01"])
    end: dt.date | None = Field(None, description="last day of a series (default: latest)", examples=["2025-01-31"])

    @field_validator("base")
    @classmethod
    def _base(cls, value: str) -> str:
        return _currency(value)

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, value: str | None) -> str | None:
        if value is None:
            return None
        codes = [_currency(part) for part in value.split(",") if part.strip()]
        if not codes:
            raise ValueError("give at least one currency code, e.g. symbols=KRW")
        return ",".join(dict.fromkeys(codes))

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.date and (self.start or self.end):
            raise ValueError("give either date= or start=/end=, not both")
        if self.end and not self.start:
            raise ValueError("end= needs start=")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"start= ({self.start}) is after end= ({self.end})")
        for day in (self.date, self.start):
            if day and day < ECB_FIRST_DATE:
                raise ValueError(f"ECB reference rates start on {ECB_FIRST_DATE}")
        return self


class FxRate(Observation):
    kind: Literal["fx.rate"] = "fx.rate"
    base: str
    quote: str
    amount: float
    rate: float  # units of quote per `amount` of base
    date: str  # the ECB working day of the rate
    requested_date: str | None = None


class FxSeries(Series):
    kind: Literal["fx.series"] = "fx.series"
    base: str
    quote: str
    amount: float
    start_date: str
    end_date: str


def ecb_time(day: str, *, field: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(day), ECB_PUBLISHED, tzinfo=ECB_ZONE)
    except ValueError:
        raise SchemaDriftError(f"{SOURCE} response has an unreadable date {day!r}: field '{field}'", field=field) from None


class FxConnector(Connector[FxParams]):
    name: ClassVar[str] = "fx"
    description: ClassVar[str] = "exchange rates (ECB reference, daily), latest, for a date or as a series (Frankfurter)"
    domain: ClassVar[str] = "finance"
    answer_fields: ClassVar[tuple[str, ...]] = ("rate", "^[A-Z]{3}$", "^base$", "^quote$")
    source: ClassVar[str] = SOURCE
    params_model = FxParams
    record_types = (FxRate, FxSeries)
    examples = ("base=USD symbols=KRW", "base=EUR symbols=KRW,JPY date=2025-03-14", "base=USD symbols=KRW start=2025-01-01 end=2025-01-31")
    ttl_seconds = 3600.0
    base_url_settings = ("frankfurter_url",)

    def ttl_for(self, params: FxParams) -> float:
        today = self.ctx.now().date()
        closed_day = params.date if params.date else params.end
        if closed_day is not None and closed_day < today - timedelta(days=1):
            return 30 * 86400.0  # published history does not change
        return self.ttl_seconds

    def fetch(self, params: FxParams) -> list[Record]:
        self._refuse_future(params)
        if params.start:
            path = f"{params.start.isoformat()}..{params.end.isoformat() if params.end else ''}"
        else:
            path = params.date.isoformat() if params.date else "latest"
        query: dict[str, str | int | float] = {"base": params.base}
        if params.symbols:
            query["symbols"] = params.symbols
        if params.amount != 1.0:
            query["amount"] = params.amount
        base_url = self.ctx.base_url("frankfurter_url")
        response = self.ctx.http.get(f"{base_url}/v1/{path}", params=query, source=SOURCE)
        self._check_status(response, params)
        payload = require_dict(response.json(), source=SOURCE)
        if params.start:
            return self._series(payload, params, response)
        return self._rates(payload, params, response)

    def _refuse_future(self, params: FxParams) -> None:
        """A rate for a day that has not come is refused: Frankfurter would answer with the
        latest rates, which a reader would take for that day's."""
        today = self.ctx.now().astimezone(ECB_ZONE).date()
        for name, day in (("date", params.date), ("start", params.start), ("end", params.end)):
            if day is not None and day > today:
                raise InvalidParams(
                    f"no exchange rate exists for {day} yet ({name}={day}): the ECB publishes each working day's "
                    f"rates at about 16:00 CET, and today is {today} in Frankfurt",
                    hint="ask for today's (latest) rate or a past date",
                )

    def _check_status(self, response: HttpResponse, params: FxParams) -> None:
        if response.status == 404:
            raise NotFound(
                f"{SOURCE} has no rates for {params.date or params.start or 'that request'}: {response.upstream_message()}",
                hint=f"ECB rates exist for working days from {ECB_FIRST_DATE} up to today",
            )
        if response.status == 422:
            wanted = f"base={params.base}" + (f" symbols={params.symbols}" if params.symbols else "")
            raise NotFound(
                f"{SOURCE} does not know a currency in {wanted}: {response.upstream_message()}",
                hint="the ECB publishes about 30 currencies (USD, KRW, JPY, CNY, GBP, ...); "
                "`briefbot fetch fx base=EUR` lists them",
            )
        response.raise_for_status()

    # Frankfurter echoes the base it computed the rates against and the currencies it has. A
    # payload for another request (a proxy or cache serving someone else's answer, a rewrite
    # target replaying the wrong recording) would otherwise become records for a pair the user
    # did not ask about, quietly answering "USD in KRW" with "EUR in KRW".

    def _answered_base(self, payload: dict[str, Any], params: FxParams) -> str:
        return require_echo(payload, "base", requested=params.base, source=SOURCE, name="base")

    def _require_symbols(self, quotes: set[str], params: FxParams) -> None:
        if not params.symbols:
            return
        # A rate of the base against itself is 1 by definition and may be left out.
        missing = [code for code in params.symbols.split(",") if code not in quotes and code != params.base]
        if missing:
            raise mismatch(
                SOURCE,
                ("rates",),
                requested=f"symbols={params.symbols}",
                received=f"rates for {','.join(sorted(quotes))} but not {','.join(missing)}",
                hint="the ECB may not have published that currency for those days, or something in between "
                "served another request's answer; `briefbot fetch fx base=EUR` lists the currencies it has",
            )

    def _rates(self, payload: dict[str, Any], params: FxParams, response: HttpResponse) -> list[Record]:
        day = require_str(payload, "date", source=SOURCE)
        as_of = ecb_time(day, field="date")
        base = self._answered_base(payload, params)
        amount = require_number(payload, "amount", source=SOURCE) or params.amount
        rates = require_dict(payload, "rates", source=SOURCE)
        if not rates:
            raise NotFound(f"{SOURCE} returned no rates for base={params.base} symbols={params.symbols}")
        self._require_symbols(set(rates), params)
        note = None
        if params.date and params.date.isoformat() != day:
            if params.date == self.ctx.now().astimezone(ECB_ZONE).date():
                note = f"the ECB has not published {params.date}'s rates yet (about 16:00 CET); these are from {day}"
            else:
                note = f"no ECB rates on {params.date} (weekend or holiday); these are from {day}, the working day before"
        return [
            FxRate(
                **self.provenance(response),
                subject=f"{base}/{quote}",
                as_of=as_of,
                units={"rate": f"{quote} per {amount:g} {base}"},
                note=note,
                base=base,
                quote=quote,
                amount=amount,
                rate=require_number(payload, "rates", quote, source=SOURCE) or 0.0,
                date=day,
                requested_date=params.date.isoformat() if params.date else None,
            )
            for quote in rates
        ]

    def _series(self, payload: dict[str, Any], params: FxParams, response: HttpResponse) -> list[Record]:
        base = self._answered_base(payload, params)
        amount = require_number(payload, "amount", source=SOURCE) or params.amount
        start = require_str(payload, "start_date", source=SOURCE)
        end = require_str(payload, "end_date", source=SOURCE)
        by_day = require_dict(payload, "rates", source=SOURCE)
        if not by_day:
            raise NotFound(f"{SOURCE} has no rates between {params.start} and {params.end or 'today'}")
        quotes: dict[str, list[SeriesPoint]] = {}
        for day in sorted(by_day):
            day_rates = require_dict(by_day, day, source=SOURCE)
            when = ecb_time(day, field=f"rates.{day}")
            for quote in day_rates:
                value = require_number(payload, "rates", day, quote, source=SOURCE)
                quotes.setdefault(quote, []).append(SeriesPoint(time=when, values={"rate": value}))
        self._require_symbols(set(quotes), params)
        return [
            FxSeries(
                **self.provenance(response),
                subject=f"{base}/{quote}",
                as_of=points[-1].time,
                units={"rate": f"{quote} per {amount:g} {base}"},
                base=base,
                quote=quote,
                amount=amount,
                start_date=start,
                end_date=end,
                points=points,
            )
            for quote, points in quotes.items()
        ]
