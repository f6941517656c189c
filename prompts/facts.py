"""Derived facts, computed by code so the model never does arithmetic.

Published format benchmarks put models at 33–48% accuracy on sums and filters over tables;
a change, a maximum or a conversion computed here is right every time, and the answer
checker (:func:`prompts.grounding.check_numbers`) can accept exactly these numbers.

Everything here is a pure function over numbers or records: no I/O, no clock (``now`` is
passed in), no formatting (that is :mod:`prompts.formatting`, whose ``age_in_words`` is
re-exported here for existing callers).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from connectors.records import Observation, Series
from prompts.formatting import age_in_words as age_in_words  # its home is formatting; old name kept

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


# Conversions live in prompts.conversions (which imports this module). Their old names stay
# readable here for existing callers only (the packer imports prompts.conversions itself);
# resolved on first use because a module-level import would be circular.
_MOVED = frozenset({"Rate", "conversion_facts", "find_rate", "fx_rates", "source_of"})


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from prompts import conversions

        return getattr(conversions, name)
    raise AttributeError(f"module 'prompts.facts' has no attribute {name!r}")
