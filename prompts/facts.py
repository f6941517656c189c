"""Derived facts, computed by code so the model never does arithmetic.

Published format benchmarks put models at 33–48% accuracy on sums and filters over tables;
a change, a maximum or a conversion computed here is right every time, and the answer
checker (:func:`prompts.grounding.check_numbers`) can accept exactly these numbers.

Everything here is a pure function over numbers or records: no I/O, no clock (``now`` is
passed in), no formatting beyond :func:`age_in_words` (rendering is the packer's job).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from connectors.records import Observation, Record, Series

Trend = Literal["up", "down", "flat"]


@dataclass(frozen=True)
class Fact:
    """One derived number (or word, for trends) about one field of one record."""

    subject: str  # what it is about: "KRW-BTC", "New York", "USD/KRW"
    field: str  # the record field or column: "trade_price", "temperature_c"
    name: str  # what was derived: "latest", "change", "change_pct", "max", "trend", ...
    value: float | str
    unit: str = ""  # unit of ``value``: the field's unit, "%" for percentages, "" for words
    at: datetime | None = None  # the time the value refers to (max at 15:00, latest at ...)
    detail: str = ""  # extra words, e.g. "over 7 points", "5-point"

    @property
    def key(self) -> str:
        return f"{self.subject}.{self.field}.{self.name}"

    @property
    def number(self) -> float | None:
        return float(self.value) if isinstance(self.value, (int, float)) else None


@dataclass(frozen=True)
class Change:
    absolute: float
    percent: float | None  # None when the starting value is 0


@dataclass(frozen=True)
class Extremes:
    low: float
    low_at: datetime
    high: float
    high_at: datetime


# --- numbers ------------------------------------------------------------------------------


def change(old: float, new: float) -> Change:
    """Absolute and percentage change from ``old`` to ``new``."""
    pct = None if old == 0 else (new - old) / abs(old) * 100.0
    return Change(new - old, pct)


def extremes(points: Sequence[tuple[datetime, float]]) -> Extremes:
    """Lowest and highest value with their times; the earliest time wins a tie."""
    if not points:
        raise ValueError("extremes of an empty series")
    low_at, low = min(points, key=lambda p: p[1])
    high_at, high = max(points, key=lambda p: p[1])
    return Extremes(low, low_at, high, high_at)


def mean(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("mean of no values")
    return math.fsum(values) / len(values)


def moving_average(values: Sequence[float], window: int) -> list[float]:
    """Simple moving average; one value per full window (len - window + 1 values)."""
    if window < 1:
        raise ValueError("window must be >= 1")
    if len(values) < window:
        return []
    out: list[float] = []
    total = math.fsum(values[:window])
    out.append(total / window)
    for i in range(window, len(values)):
        total += values[i] - values[i - window]
        out.append(total / window)
    return out


def trend(values: Sequence[float], *, flat_pct: float = 0.5) -> Trend:
    """Direction of the least-squares line over the whole series.

    The fitted rise across the series, relative to the mean level, must exceed ``flat_pct``
    percent to count as a direction: a least-squares fit is not fooled by one outlier at an
    end the way first-vs-last is.
    """
    n = len(values)
    if n < 2:
        return "flat"
    xbar = (n - 1) / 2.0
    ybar = mean(values)
    sxx = sum((i - xbar) ** 2 for i in range(n))
    slope = sum((i - xbar) * (v - ybar) for i, v in enumerate(values)) / sxx
    rise = slope * (n - 1)
    scale = abs(ybar) if ybar else max(abs(v) for v in values) or 1.0
    pct = rise / scale * 100.0
    if pct > flat_pct:
        return "up"
    if pct < -flat_pct:
        return "down"
    return "flat"


def returns(values: Sequence[float]) -> list[float]:
    """Simple period-over-period returns in percent (periods starting at 0 are skipped)."""
    return [(b - a) / abs(a) * 100.0 for a, b in zip(values, values[1:]) if a != 0]


def volatility(values: Sequence[float]) -> float | None:
    """Sample standard deviation of period returns, in percent; None under 3 values."""
    r = returns(values)
    if len(r) < 2:
        return None
    return statistics.stdev(r)


def convert(amount: float, rate: float) -> float:
    """``amount`` of the base currency in the quote currency (rate = quote per 1 base)."""
    return amount * rate


def age_in_words(seconds: float, lang: str = "en") -> str:
    """How old a figure is, in words a reader scans: '12 min ago', '3시간 전'."""
    s = max(0.0, seconds)
    if s < 90:
        return "방금" if lang == "ko" else "just now"
    minutes = round(s / 60)
    if minutes < 60:
        return f"{minutes}분 전" if lang == "ko" else f"{minutes} min ago"
    hours = round(s / 3600)
    if hours < 48:
        return f"{hours}시간 전" if lang == "ko" else f"{hours} h ago"
    days = round(s / 86400)
    return f"{days}일 전" if lang == "ko" else f"{days} days ago"


# --- records ------------------------------------------------------------------------------

# Field-name pairs (current, previous) from which an observation's change is derived.
_CHANGE_PAIRS = (
    ("price", "previous_close"),
    ("price", "prev_close"),
    ("trade_price", "prev_closing_price"),
    ("close", "previous_close"),
    ("regular_market_price", "previous_close"),
)


def is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def series_facts(series: Series, column: str, *, rich: bool = True) -> list[Fact]:
    """Facts about one numeric column of a series.

    ``rich`` (prices, rates) adds change, moving average, trend and volatility; for a
    forecast curve those are noise (a "-2% temperature change" means nothing), so only the
    level facts are derived.
    """
    pts = series.column(column)
    if not pts:
        return []
    unit = series.units.get(column, "")
    subj = series.subject
    vals = [v for _, v in pts]
    first_at, first = pts[0]
    last_at, last = pts[-1]
    ext = extremes(pts)
    facts = [
        Fact(subj, column, "first", first, unit, first_at),
        Fact(subj, column, "latest", last, unit, last_at),
        Fact(subj, column, "min", ext.low, unit, ext.low_at),
        Fact(subj, column, "max", ext.high, unit, ext.high_at),
        Fact(subj, column, "mean", mean(vals), unit, detail=f"{len(vals)} points"),
    ]
    if rich and len(pts) >= 2:
        ch = change(first, last)
        facts.append(Fact(subj, column, "change", ch.absolute, unit, last_at, detail=f"since {first_at.isoformat()}"))
        if ch.percent is not None:
            facts.append(Fact(subj, column, "change_pct", ch.percent, "%", last_at))
    if rich and len(pts) >= 3:
        window = min(5, len(vals))
        ma = moving_average(vals, window)
        if ma:
            facts.append(Fact(subj, column, "moving_avg", ma[-1], unit, last_at, detail=f"{window}-point"))
        facts.append(Fact(subj, column, "trend", trend(vals), ""))
        vol = volatility(vals)
        if vol is not None:
            facts.append(Fact(subj, column, "volatility", vol, "%", detail="stdev of period returns"))
    return facts


def observation_facts(obs: Observation) -> list[Fact]:
    """Facts derivable from one reading: the change against its previous close."""
    values = obs.values()
    facts: list[Fact] = []
    for cur_name, prev_name in _CHANGE_PAIRS:
        cur, prev = values.get(cur_name), values.get(prev_name)
        if is_number(cur) and is_number(prev):
            ch = change(float(prev), float(cur))  # type: ignore[arg-type]
            unit = obs.units.get(cur_name, "")
            facts.append(Fact(obs.subject, cur_name, "change", ch.absolute, unit, obs.as_of, detail=f"vs {prev_name}"))
            if ch.percent is not None:
                facts.append(Fact(obs.subject, cur_name, "change_pct", ch.percent, "%", obs.as_of, detail=f"vs {prev_name}"))
            break
    else:
        facts.extend(_reported_change_facts(obs, values))
    return facts


def _reported_change_facts(obs: Observation, values: Mapping[str, object]) -> list[Fact]:
    """A change the source reports itself (Upbit's signed change, a quote's ``change``) with
    the price but not the previous close: the previous close is ``price - change``, stated
    as a fact so the change reads "vs previous_close" like a derived one."""
    price, delta = values.get("price"), values.get("change")
    if not (is_number(price) and is_number(delta)):
        return []
    prev = float(price) - float(delta)  # type: ignore[arg-type]
    unit = obs.units.get("price", "")
    pct = values.get("change_pct")
    percent = float(pct) if is_number(pct) else change(prev, float(price)).percent  # type: ignore[arg-type]
    out = [Fact(obs.subject, "price", "change", float(delta), unit, obs.as_of, detail="vs previous_close")]  # type: ignore[arg-type]
    if percent is not None:
        out.append(Fact(obs.subject, "price", "change_pct", percent, "%", obs.as_of, detail="vs previous_close"))
    out.append(Fact(obs.subject, "previous_close", "value", prev, unit, obs.as_of, detail="price - change"))
    return out


# --- exchange rates -----------------------------------------------------------------------


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

    A stock quoted in USD asked "in won" gets its KRW price; "100달러는 몇 원" gets 100×rate.
    """
    facts: list[Fact] = []
    if amount is not None:
        value, code = amount
        to = target or ("KRW" if code != "KRW" else "USD")
        rate = find_rate(records, code, to)
        if rate is not None:
            facts.append(Fact(f"{_fmt_amount(value)} {code}", "amount", f"in_{to}", convert(value, rate.rate), to, rate.at,
                              detail=f"at {rate.base}/{rate.quote} {rate.rate:g}"))
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
                                  target.upper(), rec.as_of, detail=f"at {rate.base}/{rate.quote} {rate.rate:g}"))
    return facts


def _fmt_amount(v: float) -> str:
    return f"{v:,.0f}" if v == int(v) else f"{v:,.2f}"


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


def comparison_facts(facts: Sequence[Fact]) -> list[Fact]:
    """Differences of percentage changes between subjects (for "compare A and B")."""
    pct = [f for f in facts if f.name == "change_pct" and f.number is not None]
    by_subject: dict[str, Fact] = {}
    for f in pct:
        by_subject.setdefault(f.subject, f)
    subjects = list(by_subject)
    out: list[Fact] = []
    for i, a in enumerate(subjects):
        for b in subjects[i + 1:]:
            fa, fb = by_subject[a], by_subject[b]
            assert fa.number is not None and fb.number is not None
            out.append(Fact(f"{a} vs {b}", "change_pct", "difference", fa.number - fb.number, "pp",
                            detail="percentage points"))
    return out
