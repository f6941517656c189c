"""Per-record blocks: each record's facts, headline, source reference and body text at every
detail level the budget loop may choose (see :mod:`prompts.packer`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from connectors.records import Observation, Record, Scalar, Series
from prompts import readable
from prompts.facts import Fact, is_number, observation_facts, series_facts
from prompts.fences import clean_text, source_label
from prompts.fields import PLAIN_SERIES_FACTS, TraitsLookup, installed_traits, is_finance_series, select_fields
from prompts.formatting import age_in_words, display_zone, fmt_number, fmt_time, is_daily, is_money, korean_amount, short_time, time_column
from prompts.results import SourceRef

@dataclass
class Block:
    name: str  # "subject kind", for the omitted list
    subject: str
    head: str  # "subject · source · as of time (age)": shared by consecutive blocks that agree
    kind: str  # "quote", "history", "hourly", ...
    body_by_level: list[str]  # body text at each detail level (index = level)
    essential: bool = True


# Detail levels, tried in order until the context fits the budget.
# Anchor points only show a long series' shape (its facts carry the figures): ends and
# extremes first, so a handful is enough.
LEVELS = (
    {"full_rows": 16, "anchors": 4},
    {"full_rows": 12, "anchors": 4},
    {"full_rows": 8, "anchors": 3},
    {"full_rows": 0, "anchors": 2},
    {"full_rows": 0, "anchors": 0},
)


@dataclass(frozen=True)
class RecordBlocks:
    """Turns one record into its facts, source reference and block, for one question."""

    lang: str
    topics: frozenset[str]
    traits_of: TraitsLookup = installed_traits

    def facts_for(self, rec: Record) -> list[Fact]:
        if isinstance(rec, Series):
            finance = is_finance_series(self.traits_of(rec.connector))
            out: list[Fact] = []
            for col in self._series_cols(rec):
                if "code" in col:
                    continue  # categorical (WMO codes): a mean of codes means nothing
                facts = series_facts(rec, col, rich=finance)
                if finance and not self.topics & {"trend", "all"}:
                    # A price question needs the range and the move; the trend readings are
                    # for trend questions.
                    facts = [f for f in facts if f.name in PLAIN_SERIES_FACTS]
                if "probability" in col:
                    facts = [f for f in facts if f.name == "max"]  # only the peak chance matters
                out.extend(facts)
            return out
        if isinstance(rec, Observation):
            return observation_facts(rec)
        return []

    def source_ref(self, rec: Record, now: datetime, rec_facts: list[Fact]) -> SourceRef:
        zone = display_zone(rec)
        age = rec.age_seconds(now)
        return SourceRef(
            connector=rec.connector,
            kind=rec.kind,
            subject=clean_text(rec.subject),
            source=source_label(rec.source),
            source_url=rec.source_url,
            fetched_at=rec.fetched_at,
            as_of=rec.as_of,
            as_of_text=fmt_time(rec.as_of, zone),
            age_seconds=age,
            age_text=age_in_words(age, self.lang),
            stale=rec.stale,
            note=clean_text(rec.note) if rec.note else None,
            headline=self._headline(rec, rec_facts, zone, now),
        )

    def _headline(self, rec: Record, rec_facts: list[Fact], zone: tzinfo, now: datetime) -> str:
        """Two or three main figures: what the user most needs to see verbatim, in words
        (prompts.readable) for the built-in sources, as "field value" for plugins."""
        if readable.is_known(rec):
            return readable.headline(rec, rec_facts, self.lang, zone, now)
        parts: list[str] = []
        if isinstance(rec, Series):
            finance = self.traits_of(rec.connector).domain == "finance"
            wanted = ("latest", "change_pct") if finance else ("min", "max")
            cols = [c for c in self._series_cols(rec) if "code" not in c]
            for col in cols[:2]:
                for f in rec_facts:
                    if f.field == col and f.name in wanted:
                        parts.append(self._fact_line(f, rec, zone))
            return "; ".join(parts[:4])
        values = rec.values()
        names = [n for n in self._observation_fields(rec, values, frozenset())
                 if n not in ("base", "quote", "name", "amount", "date") and not n.endswith("_kr")]
        for n in names[:3]:
            parts.append(f"{clean_text(n, 40)} {self._value_text(rec, n, values[n])}")
        parts.extend(self._fact_line(f, rec, zone) for f in rec_facts if f.name == "change_pct")
        return "; ".join(parts)

    def block(self, rec: Record, rec_facts: list[Fact], now: datetime) -> Block:
        zone = display_zone(rec)
        age = age_in_words(rec.age_seconds(now), self.lang)
        kind = clean_text(rec.kind).rsplit(".", 1)[-1]
        # "subject kind · source · as-of time (age)"; the system prompt names the parts.
        head = f"{clean_text(rec.subject)} · {source_label(rec.source)} · {fmt_time(rec.as_of, zone)} ({age})"
        lead: list[str] = []
        if rec.stale:
            lead.append(f"STALE: served from cache after the source failed; the data is {age} old, not current.")
        if rec.note:
            lead.append(f"note: {clean_text(rec.note)}")
        bodies: list[str] = []
        for level in range(len(LEVELS)):
            if isinstance(rec, Series):
                body = self._series_body(rec, rec_facts, zone, LEVELS[level])
            else:
                body = self._observation_body(rec, rec_facts, zone)
            bodies.append("\n".join([*lead, body]).strip())
        return Block(f"{clean_text(rec.subject)} {kind}", clean_text(rec.subject), head, kind, bodies)

    def _currency(self, rec: Record) -> str:
        cur = rec.values().get("currency")
        if isinstance(cur, str):
            return cur.upper()
        if rec.subject.upper().startswith("KRW-") or rec.subject.upper().endswith((".KS", ".KQ")):
            return "KRW"
        return ""

    def _value_text(self, rec: Record, name: str, value: Scalar) -> str:
        if isinstance(value, str):
            return clean_text(value)
        if value is None:
            return "n/a"
        if isinstance(value, bool):
            return "yes" if value else "no"
        unit = rec.units.get(name, "")
        currency = self._currency(rec)
        text = fmt_number(value, name, unit, currency=currency)
        if unit == "%":
            text += "%"  # as the fact lines write it
        elif unit and unit not in ("", "wmo code"):
            text = f"{text} {clean_text(unit, 24)}"
        if self.lang == "ko" and (unit == "KRW" or currency == "KRW") and is_money(name.lower()) and abs(float(value)) >= 1e8:
            text += f" ({korean_amount(float(value))})"
        return text

    def _series_cols(self, rec: Series) -> list[str]:
        cols = select_fields(_series_columns(rec), rec.connector, self.topics, self.traits_of)
        if "condition" in cols:
            cols = [c for c in cols if c != "weather_code"]  # the words say it better
        return cols

    def _observation_fields(self, rec: Record, values: dict[str, Scalar], topics: frozenset[str]) -> list[str]:
        names = [n for n in select_fields(list(values), rec.connector, topics, self.traits_of) if values[n] is not None]
        if "condition" in names or "description" in names:
            names = [n for n in names if n != "weather_code"]  # the words say it better
        subject = rec.subject.upper()
        units = " ".join(rec.units.values()).upper()
        # Identity fields the header already states cost tokens and add nothing.
        source = rec.source.upper()

        def restated(name: str) -> bool:
            value = values[name]
            if not isinstance(value, str):
                return False
            if name in ("symbol", "market", "currency", "base", "quote"):
                return value.upper() in subject or value.upper() in units
            return name == "exchange" and value.upper().startswith(source)  # "CoinGecko (aggregate)"

        return [n for n in names if not restated(n)]

    def _observation_body(self, rec: Record, rec_facts: list[Fact], zone: tzinfo) -> str:
        values = rec.values()
        names = self._observation_fields(rec, values, self.topics)
        # The value a change is measured against goes on the change's line, not a line of its own;
        # a base the source did not send (price - its reported change) comes as a "value" fact.
        changes = [f for f in rec_facts if f.name == "change" and f.detail.startswith("vs ")]
        stated = {f.field: f for f in rec_facts if f.name == "value"}
        base_text = {b: self._value_text(rec, b, values[b]) for b in {f.detail[3:] for f in changes} & set(names)}
        for f in changes:
            b = f.detail[3:]
            if b not in base_text and b in stated:
                base_text[b] = self._value_text(rec, f.field, stated[b].value)  # in the changed field's unit
        # The source's own change figures are on the change line already.
        hidden = set(base_text) | ({"change", "change_pct"} if changes else set())
        lines = [f"{clean_text(n, 40)}: {self._value_text(rec, n, values[n])}" for n in names if n not in hidden]
        for line in self._fact_lines([f for f in rec_facts if f.name != "value"], rec, zone):
            for b, text in base_text.items():
                if line.endswith(f" vs {b}"):
                    line += f" {text}"
            lines.append(line)
        # What a change is measured over ("over the last 24 hours") belongs on the change line.
        basis = values.get("change_basis")
        at = next((i for i, ln in enumerate(lines) if ln.startswith(("change:", "change_pct:"))), None)
        if isinstance(basis, str) and at is not None:
            lines[at] += f", {clean_text(basis)}"
            lines = [ln for ln in lines if not ln.startswith("change_basis:")]
        return "\n".join(lines)

    def _series_body(self, rec: Series, rec_facts: list[Fact], zone: tzinfo, level: dict[str, Any]) -> str:
        cols = self._series_cols(rec)
        if not rec.points or not cols:
            return "(no data points)"
        n = len(rec.points)
        lines: list[str] = []
        times = [p.time for p in rec.points]
        daily: bool | str = is_daily(times, zone)
        one_day = len({t.astimezone(zone).date() for t in times}) == 1
        shown = [f for f in rec_facts if f.name not in ("first", "latest")]
        if n <= level["full_rows"]:
            summary = self._table_summary(shown, rec, zone, "table" if daily else ("day" if one_day else False))
        else:
            when: bool | str = "day" if one_day and level["anchors"] else daily
            if any(f.name in ("change", "change_pct") for f in shown):
                summary = self._fact_lines(shown, rec, zone, when)
            else:  # min, max, mean only (weather): one line per column
                summary = self._table_summary(shown, rec, zone, when)
        if n <= level["full_rows"]:
            rows = list(range(n))
            lines.append(f"{n} points:")
        else:
            # A trend question is about the shape: twice the anchor points.
            rows = _anchor_rows(rec, cols, level["anchors"] * (2 if "trend" in self.topics else 1))
            lines.append(f"{n} points, summarised:")
            lines.extend(summary)
            if rows:
                lines.append("anchors:")
        # A text column with one value at every point ("clear sky" all evening) is said once.
        constant = {c: same for c in cols if n > 2 and (same := _constant_text(rec, c)) is not None}
        if constant and rows:
            cols = [c for c in cols if c not in constant]
            lines.extend(f"{clean_text(c, 40)}: {clean_text(same, 40)} (all {n} points)" for c, same in constant.items())
        if rows:
            tname, tvals = time_column([rec.points[i].time for i in rows], zone)
            header = [tname] + [_col_header(c, rec.units.get(c, "")) for c in cols]
            lines.append(",".join(header))
            cur = self._currency(rec)
            for i, tv in zip(rows, tvals):
                cells = [tv]
                for c in cols:
                    v = rec.points[i].values.get(c)
                    if is_number(v):
                        cells.append(fmt_number(v, c, rec.units.get(c, ""), currency=cur))  # type: ignore[arg-type]
                    elif v is None:
                        cells.append("")
                    else:
                        cells.append(clean_text(str(v), 40).replace(",", ";"))
                lines.append(",".join(cells))
        if n <= level["full_rows"]:
            lines.extend(summary)
        return "\n".join(lines)

    def _fact_lines(self, facts: Sequence[Fact], rec: Record, zone: tzinfo, daily: bool | str = False) -> list[str]:
        """One line per fact, except a change and its percentage share one line."""
        lines: list[str] = []
        for f in facts:
            if f.name == "change_pct" and any(g.name == "change" and g.field == f.field for g in facts):
                continue  # on its change's line
            if f.name == "change":
                pct = next((g for g in facts if g.name == "change_pct" and g.field == f.field), None)
                line = self._fact_line(f, rec, zone, daily, detail=False)
                if isinstance(rec, Observation):
                    line = line.split(" ", 1)[1]  # "change: …": a reading has one moving figure
                if pct is not None:
                    line += f", change_pct: {self._fact_line(pct, rec, zone, daily, detail=False).split(': ', 1)[1]}"
                lines.append(line + f" {self._detail(f, zone, daily)}" if f.detail else line)
                continue
            lines.append(self._fact_line(f, rec, zone, daily))
        return lines

    def _table_summary(self, facts: Sequence[Fact], rec: Record, zone: tzinfo, daily: bool | str) -> list[str]:
        """Facts of a series shown in full: one line per column (the rows carry the detail)."""
        lines: list[str] = []
        by_field: dict[str, list[Fact]] = {}
        for f in facts:
            by_field.setdefault(f.field, []).append(f)
        for fld, group in by_field.items():
            parts = []
            unit = ""
            for f in group:
                if f.name in ("change", "change_pct"):
                    continue
                text = self._fact_line(f, rec, zone, daily).split(": ", 1)[1]
                if f.unit and f.name in ("min", "max", "mean", "moving_avg") and f" {f.unit}" in text:
                    text = text.replace(f" {f.unit}", "", 1)  # the column header states the unit
                    unit = f.unit
                parts.append(f"{f.name} {text}")
            if parts:
                lines.append(f"{_col_header(fld, unit)}: " + "; ".join(parts))
            lines.extend(self._fact_lines([f for f in group if f.name in ("change", "change_pct")], rec, zone, daily))
        return lines

    def _detail(self, f: Fact, zone: tzinfo, daily: bool | str) -> str:
        d = f.detail
        if d.startswith("since "):
            try:
                return "since " + short_time(datetime.fromisoformat(d[6:]), zone, daily)
            except ValueError:
                pass
        if f.name == "volatility":
            return "stdev of returns"
        return clean_text(d, 60)

    def _fact_line(self, f: Fact, rec: Record, zone: tzinfo, daily: bool | str = False, *, detail: bool = True) -> str:
        cur = self._currency(rec)
        if isinstance(f.value, str):
            return f"{f.field} {f.name}: {f.value}"
        val = fmt_number(f.value, f.field if f.unit != "%" else "pct", f.unit, currency=cur)
        unit = f" {f.unit}" if f.unit and f.unit != "%" else ("%" if f.unit == "%" else "")
        when = f" at {short_time(f.at, zone, daily)}" if f.at and f.name in ("min", "max") else ""
        extra = ""
        if detail and f.detail and f.name in ("moving_avg", "volatility", "change", "change_pct"):
            extra = f" ({self._detail(f, zone, daily)})"
        return f"{f.field} {f.name}: {val}{unit}{when}{extra}"

    def derived_line(self, f: Fact) -> str:
        if f.name.startswith("in_"):
            val = fmt_number(f.number or 0.0, "amount", f.unit, currency=f.unit)
            ko = f" ({korean_amount(f.number or 0.0)})" if self.lang == "ko" and f.unit == "KRW" and abs(f.number or 0) >= 1e4 else ""
            what = clean_text(f.subject) if f.field == "amount" else f"{clean_text(f.subject)} {f.field}"
            return f"conversion: {what} = {readable.grouped(val)} {f.unit}{ko} ({f.detail})"
        val = fmt_number(f.number or 0.0, "pct", "%")
        return f"comparison: {clean_text(f.subject)} change differs by {val} percentage points"


def _series_columns(rec: Series) -> list[str]:
    cols: list[str] = []
    for p in rec.points:
        for k in p.values:
            if k not in cols:
                cols.append(k)
    return cols


def _constant_text(rec: Series, col: str) -> str | None:
    """The one text value ``col`` has at every point, else None (numbers keep their column:
    their summary line states the range)."""
    values = {p.values.get(col) for p in rec.points}
    if len(values) == 1:
        (value,) = values
        if isinstance(value, str) and value:
            return value
    return None


def _col_header(name: str, unit: str) -> str:
    name = clean_text(name, 40).replace(",", ";")
    return f"{name}({clean_text(unit, 16)})" if unit and unit != "wmo code" else name


def _anchor_rows(rec: Series, cols: Sequence[str], count: int) -> list[int]:
    """Row indexes worth showing from a long series: ends, extremes, then evenly spaced."""
    n = len(rec.points)
    if count <= 0 or n == 0:
        return []
    rows = {0, n - 1}
    for c in cols:
        if "code" in c:
            continue
        vals = [(i, p.values.get(c)) for i, p in enumerate(rec.points)]
        nums = [(i, float(v)) for i, v in vals if is_number(v)]  # type: ignore[arg-type]
        if nums and len(rows) < count + 2:
            if "probability" not in c:  # the lowest chance of rain says nothing
                rows.add(min(nums, key=lambda iv: iv[1])[0])
            rows.add(max(nums, key=lambda iv: iv[1])[0])
    extra = max(0, count - len(rows))
    if extra:
        step = (n - 1) / (extra + 1)
        rows.update(int(math.floor(step * (k + 1))) for k in range(extra))
    return sorted(rows)
