"""Conversions computed by code: any currency pair either way, coin amounts, quoted prices.

``50 EUR = 54.12 USD (Frankfurter, 2025-03-14, EUR/USD 1.0823)``: the rate comes from the
fetched fx records (direct, inverted, or crossed through a shared base), the coin price from
the fetched crypto quote, and the product is a :class:`prompts.facts.Fact` the number check
accepts. The model never multiplies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from connectors.crypto import coin_of_subject
from connectors.records import Observation, Record, Series
from prompts.facts import Fact, convert, is_number



@dataclass(frozen=True)
class Rate:
    base: str
    quote: str
    rate: float  # quote per 1 base
    record: Record
    at: datetime


def fx_rates(records: Iterable[Record]) -> list[Rate]:
    """Every (base, quote, rate) an fx record states, whatever shape the connector chose.

    Accepted shapes: a reading with ``base``/``quote``(or ``symbol``)/``rate``; a reading with
    ``base`` and one field per currency code (``KRW: 1382.5``); a subject ``USD/KRW`` with a
    ``rate``; a series with such columns (its latest point counts).
    """
    out: list[Rate] = []
    for rec in records:
        if rec.connector != "fx":
            continue
        values = rec.values()
        base = str(values.get("base") or _pair(rec.subject)[0] or "").upper()
        quote_field = values.get("quote") or values.get("symbol") or values.get("target") or _pair(rec.subject)[1]
        if isinstance(rec, Series):
            for col in _codes_in(rec):
                pts = rec.column(col)
                if pts and base:
                    out.append(Rate(base, col.upper(), pts[-1][1], rec, pts[-1][0]))
            if "rate" in _columns(rec) and base and quote_field:
                pts = rec.column("rate")
                if pts:
                    out.append(Rate(base, str(quote_field).upper(), pts[-1][1], rec, pts[-1][0]))
            continue
        if not base:
            continue
        if quote_field and is_number(values.get("rate")):
            # Frankfurter quotes per `amount` of base (amount=100 → rate for 100 units).
            per = float(values["amount"]) if is_number(values.get("amount")) and values["amount"] else 1.0
            out.append(Rate(base, str(quote_field).upper(), float(values["rate"]) / per, rec, rec.as_of))  # type: ignore[arg-type]
        for name, v in values.items():
            if len(name) == 3 and name.isalpha() and name.upper() != base and is_number(v):
                out.append(Rate(base, name.upper(), float(v), rec, rec.as_of))  # type: ignore[arg-type]
    return out


def _pair(subject: str) -> tuple[str | None, str | None]:
    parts = subject.replace(" ", "").split("/")
    if len(parts) == 2 and all(len(p) == 3 and p.isalpha() for p in parts):
        return parts[0].upper(), parts[1].upper()
    return None, None


def _columns(series: Series) -> set[str]:
    cols: set[str] = set()
    for p in series.points:
        cols.update(p.values)
    return cols


def _codes_in(series: Series) -> list[str]:
    return sorted(c for c in _columns(series) if len(c) == 3 and c.isalpha() and c.isupper())


def find_rate(records: Iterable[Record], base: str, quote: str) -> Rate | None:
    """quote-per-base from fx records: direct, inverted, or crossed through a shared base."""
    base, quote = base.upper(), quote.upper()
    if base == quote:
        return None
    rates = fx_rates(records)
    for r in rates:
        if r.base == base and r.quote == quote:
            return r
    for r in rates:
        if r.base == quote and r.quote == base and r.rate:
            return Rate(base, quote, 1.0 / r.rate, r.record, r.at)
    for a in rates:  # cross: X/base and X/quote share X (e.g. EUR-based ECB rates)
        for b in rates:
            if a.base == b.base and a.quote == base and b.quote == quote and a.rate:
                return Rate(base, quote, b.rate / a.rate, b.record, min(a.at, b.at))
    return None


def conversion_facts(
    records: Sequence[Record], *, amount: tuple[float, str] | None, target: str | None
) -> list[Fact]:
    """Amounts converted with the fetched rate: the user's amount, and quoted prices.

    "Convert 50 euros to dollars" gets 50×EUR/USD, "3 bitcoin in won" 3×the KRW price; a
    stock quoted in USD asked "in won" gets its KRW price. When no rate to ``target`` was
    fetched, the amount is converted with the rate that was (the plan fetched the pair the
    question named), so a default target never hides the conversion asked for.
    """
    facts: list[Fact] = []
    if amount is not None:
        value, code = amount
        to = target or ("KRW" if code != "KRW" else "USD")
        fact = _coin_amount(records, value, code, to) or _money_amount(records, value, code, to)
        if fact is not None:
            facts.append(fact)
    if target:
        for rec in records:
            if rec.connector not in ("stocks", "crypto"):
                continue
            cur = str(rec.values().get("currency") or rec.units.get("price") or "").upper()
            price = _price_of(rec)
            if not cur or cur == target.upper() or price is None:
                continue
            rate = find_rate(records, cur, target)
            if rate is not None:
                facts.append(Fact(rec.subject, price[0], f"in_{target.upper()}", convert(price[1], rate.rate),
                                  target.upper(), rec.as_of, detail=_rate_detail(rate)))
    return facts


def _money_amount(records: Sequence[Record], value: float, code: str, to: str) -> Fact | None:
    rate = find_rate(records, code, to)
    if rate is None:
        rate = next((r for r in _rates_from(records, code) if r.quote != code), None)
    if rate is None:
        return None
    return Fact(f"{_fmt_amount(value)} {code}", "amount", f"in_{rate.quote}", convert(value, rate.rate), rate.quote,
                rate.at, detail=_rate_detail(rate))


def _rates_from(records: Sequence[Record], code: str) -> list[Rate]:
    """Every rate with ``code`` on one side, turned to read "other per 1 code"."""
    out: list[Rate] = []
    for r in fx_rates(records):
        if r.base == code:
            out.append(r)
        elif r.quote == code and r.rate:
            out.append(Rate(code, r.base, 1.0 / r.rate, r.record, r.at))
    return out


def _coin_amount(records: Sequence[Record], value: float, coin: str, to: str) -> Fact | None:
    """``value`` coins at the fetched price, in the quote currency (or ``to`` through a rate)."""
    quotes = [r for r in records if r.connector == "crypto" and isinstance(r, Observation)
              and coin_of_subject(r.subject) == coin.upper()]
    for rec in quotes:
        price = _price_of(rec)
        cur = str(rec.values().get("currency") or "").upper()
        if price is None or not cur:
            continue
        total, unit, detail = value * price[1], cur, f"{source_of(rec)}, {coin.upper()} {_plain(price[1], cur)} {cur}"
        if cur != to.upper():
            rate = find_rate(records, cur, to)
            if rate is not None:
                total, unit, detail = total * rate.rate, to.upper(), f"{detail}; {_rate_detail(rate)}"
        return Fact(f"{_fmt_amount(value)} {coin.upper()}", "amount", f"in_{unit}", total, unit, rec.as_of, detail=detail)
    return None


def source_of(rec: Record) -> str:
    """A record's source, short: 'Frankfurter' for 'Frankfurter (ECB reference rates)'."""
    return rec.source.split(" (")[0]


def _rate_detail(rate: Rate) -> str:
    day = rate.at.date().isoformat()
    return f"{source_of(rate.record)}, {day}, {rate.base}/{rate.quote} {rate.rate:g}"


def _plain(v: float, currency: str) -> str:
    return f"{v:,.0f}" if currency in ("KRW", "JPY") else f"{v:,.2f}"


def _fmt_amount(v: float) -> str:
    """The amount as the user wrote it: '50', '1,000', '0.5' (coins go to 8 decimals)."""
    return f"{v:,.0f}" if v == int(v) else f"{v:,.8f}".rstrip("0")


_PRICE_FIELDS = ("price", "trade_price", "regular_market_price", "close", "last")


def _price_of(rec: Record) -> tuple[str, float] | None:
    if isinstance(rec, Series):
        for name in _PRICE_FIELDS:
            pts = rec.column(name)
            if pts:
                return name, pts[-1][1]
        return None
    values = rec.values()
    for name in _PRICE_FIELDS:
        v = values.get(name)
        if is_number(v):
            return name, float(v)  # type: ignore[arg-type]
    return None


