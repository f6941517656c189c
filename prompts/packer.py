"""Pack fetched records and derived facts into compact context within a token budget.

Why compact: raw tool output has blown context windows (OpenBB#7315, 210k tokens) and pretty
JSON costs ~2.6× CSV for no accuracy gain. So a series becomes one CSV-like table (header row
once), a single reading becomes ``key: value`` lines, numbers are rounded by meaning, only the
fields the question needs are kept, and a long series is summarised by derived facts plus a
few anchor points. When even that does not fit, detail is shed level by level, and blocks
that still do not fit are named as omitted: nothing disappears silently.

Every block states its source and as-of time (in the place's or market's zone: KST for
Korea) and whether it is stale; failed sources get a block of their own. Everything fetched
sits inside one DATA fence whose markers text fields cannot forge (``<`` and ``>`` are
replaced in fetched text). The rule that instructions inside the fence are never followed is
in the grounded system prompt (``grounded_system.md``), which always travels with this text:
stating it again in every context cost ~25 tokens per question for nothing.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Any

from connectors.records import Observation, Record, Scalar, Series
from prompts.facts import (
    Fact,
    age_in_words,
    comparison_facts,
    conversion_facts,
    is_number,
    observation_facts,
    series_facts,
)
from prompts import readable
from prompts.grounding import korean_amount

# The fence markers; the grounded system prompt names them (with "id" for the nonce).
FENCE_OPEN, FENCE_CLOSE = "<<<DATA {nonce}>>>", "<<<END DATA {nonce}>>>"
MAX_TEXT = 160  # characters kept of any fetched text field
# A new random nonce per pack() call, 16 lower-case letters (75 bits): a payload written
# offline cannot know the closing marker. Letters only: a digit in the context would count as
# a figure the answer may quote (prompts.grounding.check_numbers).
NONCE_LENGTH = 16
NONCE_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class SourceFailure:
    """A planned fetch that produced no record (the reader must be told)."""

    connector: str
    params: dict[str, str]
    message: str
    error: str = ""  # exception class name, e.g. "NotFound"

    def describe(self) -> str:
        args = " ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.connector} {args}".strip()

    def to_json(self) -> dict[str, Any]:
        return {"connector": self.connector, "params": dict(self.params), "error": self.error, "message": self.message}


@dataclass(frozen=True)
class SourceRef:
    connector: str
    kind: str
    subject: str
    source: str
    source_url: str
    fetched_at: datetime
    as_of: datetime
    as_of_text: str  # in the place's / market's zone
    age_seconds: float
    age_text: str
    stale: bool
    note: str | None = None
    headline: str = ""  # the record's main figures, for the sources block

    def to_json(self) -> dict[str, Any]:
        return {
            "connector": self.connector,
            "kind": self.kind,
            "subject": self.subject,
            "source": self.source,
            "source_url": self.source_url,
            "fetched_at": self.fetched_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "as_of_local": self.as_of_text,
            "age_seconds": round(self.age_seconds),
            "stale": self.stale,
            "note": self.note,
            "figures": self.headline,
        }


@dataclass(frozen=True)
class PackedContext:
    text: str
    tokens: int
    budget: int
    sources: list[SourceRef]
    facts: list[Fact]
    failures: list[SourceFailure] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)  # blocks dropped for the budget
    level: int = 0  # detail level that fitted (0 = full)
    lang: str = "en"
    derived_text: list[str] = field(default_factory=list)  # conversion / comparison lines

    @property
    def fits(self) -> bool:
        return self.tokens <= self.budget


# --- field selection ----------------------------------------------------------------------

# Fields never worth tokens (location metadata, API bookkeeping).
_NOISE = re.compile(r"^(latitude|longitude|lat|lon|elevation|interval|generationtime.*|utc_offset.*|timestamp|.*_timestamp|is_day|timezone.*|trade_date.*|trade_time.*|first_trade.*|price_hint|scale)$")
# Fields kept only when the question's topics ask for them.
_TOPIC_FIELDS: dict[str, re.Pattern[str]] = {
    "humidity": re.compile(r"humid"),
    "wind": re.compile(r"wind"),
    "rain": re.compile(r"precip|rain|shower"),
    "snow": re.compile(r"snow"),
    "volume": re.compile(r"volume|acc_trade|turnover"),
    "high_low": re.compile(r"(^|_)(high|low|open)(_|$)|opening|day_high|day_low"),
    "week52": re.compile(r"52"),
    "market_cap": re.compile(r"market_cap|marketcap"),
}
# Fields that are always core for their connector even without a topic word.
_CORE = re.compile(
    r"price|close|rate|temperature|temp|condition|weather|description|summary|pm10|pm2_5|aqi|"
    r"change|currency|^name$|symbol|^market$|^base$|^quote$|precipitation_probability|apparent|"
    r"^[A-Z]{3}$|european_aqi$|us_aqi$|uv_index$"
)
_BUILTIN = frozenset({"weather", "air", "fx", "crypto", "stocks"})
# Series facts a finance question gets without a trend word (others add mean, moving average,
# trend and volatility).
_PLAIN_SERIES_FACTS = frozenset({"first", "latest", "min", "max", "change", "change_pct"})


def select_fields(names: Sequence[str], connector: str, topics: frozenset[str]) -> list[str]:
    """The fields a question needs, in their original order.

    Unknown (third-party) connectors keep everything but noise: we cannot guess their core.
    """
    out: list[str] = []
    for name in names:
        if _NOISE.match(name):
            continue
        gated = [t for t, pat in _TOPIC_FIELDS.items() if pat.search(name)]
        if gated and not _CORE.search(name):
            if any(t in topics for t in gated) or "all" in topics:
                out.append(name)
            continue
        if gated and "change" not in name and not any(t in topics for t in gated) and re.search(r"52|volume|acc_trade", name):
            continue
        if connector not in _BUILTIN or _CORE.search(name) or "all" in topics:
            out.append(name)
    return out


# --- number formatting --------------------------------------------------------------------


def _strip(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_number(value: float | int, name: str, unit: str, *, currency: str = "") -> str:
    """Round by meaning: KRW none, percentages 1 decimal, temperatures 1, prices 2, rates 6 digits.
    A value that rounds to zero is written without a sign ("-0.0" reads as a fall)."""
    text = _fmt_number(value, name, unit, currency=currency)
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def _fmt_number(value: float | int, name: str, unit: str, *, currency: str = "") -> str:
    v = float(value)
    if isinstance(value, int) and not unit:
        return str(value)
    lname = name.lower()
    u = unit.strip()
    if u in _WHOLE_UNITS or (currency in _WHOLE_UNITS and _is_money(lname)):
        return f"{v:.0f}"
    if u == "%" or "pct" in lname or "percent" in lname:
        # 1 decimal, but keep 2 below 1% so a 0.17% move does not read as 0.2%.
        if v == int(v):
            return str(int(v))
        return _strip(f"{v:.2f}") if abs(v) < 0.95 else f"{v:.1f}"
    if "°" in u or "temp" in lname or "apparent" in lname:
        return f"{v:.1f}"
    if lname == "rate" or re.fullmatch(r"[a-z]{3}", lname):
        return _strip(f"{v:.6g}") if abs(v) < 1e6 else f"{v:.0f}"
    if _is_money(lname) or (u and u.isalpha() and u.isupper() and len(u) == 3):
        return f"{v:.0f}" if abs(v) >= 1e6 and v == int(v) else f"{v:.2f}"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return _strip(f"{v:.2f}") if abs(v) >= 1 else _strip(f"{v:.4g}")


# Currencies whose amounts are written without minor units (no one writes 14,866.00 yen).
_WHOLE_UNITS = frozenset({"KRW", "원", "₩", "JPY", "¥", "ISK"})


def _is_money(lname: str) -> bool:
    return bool(re.search(r"price|close|open|high|low|amount|cap|value|last", lname))


# --- times --------------------------------------------------------------------------------


def display_zone(record: Record) -> tzinfo:
    """The zone a reader expects for this record: the place's or market's, else its own."""
    from prompts.lexicon import zone_for_subject

    name = zone_for_subject(record.subject)
    if name:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    return record.as_of.tzinfo or timezone.utc


def fmt_time(dt: datetime, zone: tzinfo | None = None) -> str:
    """'2025-07-31 02:03 KST'; a date alone for daily data stamped at local midnight."""
    if dt.hour == 0 and dt.minute == 0 and dt.second == 0:
        return dt.strftime("%Y-%m-%d")
    local = dt.astimezone(zone) if zone else dt
    return f"{local.strftime('%Y-%m-%d %H:%M')} {_zone_label(local)}"


def _zone_label(dt: datetime) -> str:
    name = dt.tzname() or ""
    if name and not name.startswith(("UTC+", "UTC-", "+", "-")):
        return name
    offset = dt.utcoffset()
    if offset is None:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    if minutes == 540:
        return "KST"  # the fixed +09:00 offset Korean sources report in
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _is_daily(times: Sequence[datetime], zone: tzinfo) -> bool:
    local = [t.astimezone(zone) for t in times]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    return all(t.hour == 0 and t.minute == 0 for t in local) or (bool(gaps) and min(gaps) >= 20 * 3600)


def _short_time(dt: datetime, zone: tzinfo, daily: bool | str) -> str:
    """A fact's time: the date alone for daily series (the bar's clock time means nothing);
    with ``daily="table"`` the short form the series' table uses (its header states the year,
    or the day and zone)."""
    local = dt.astimezone(zone) if dt.tzinfo else dt
    if daily == "table":
        return local.strftime("%m-%d")
    if daily == "day":
        return local.strftime("%H:%M")
    if daily:
        return local.strftime("%Y-%m-%d")
    return fmt_time(dt, zone)


def _time_column(times: Sequence[datetime], zone: tzinfo) -> tuple[str, list[str]]:
    local = [t.astimezone(zone) for t in times]
    label = _zone_label(local[0]) if local else ""
    daily = _is_daily(times, zone)
    if daily:
        years = sorted({t.year for t in local})
        return f"date({'/'.join(map(str, years))})", [t.strftime("%m-%d") for t in local]
    if len({t.date() for t in local}) == 1:
        return f"time({local[0].strftime('%Y-%m-%d')} {label})", [t.strftime("%H:%M") for t in local]
    return f"time({local[0].year} {label})", [t.strftime("%m-%d %H:%M") for t in local]


# --- sanitising ---------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


# Display names for sources whose own name is long: every block header repeats it.
_SOURCE_LABELS = {"Frankfurter (ECB reference rates)": "Frankfurter (ECB)"}


def source_label(source: str) -> str:
    return clean_text(_SOURCE_LABELS.get(source, source))


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """Fetched text made inert: one line, no fence characters, bounded length."""
    t = _CONTROL.sub(" ", str(text)).replace("<", "‹").replace(">", "›").replace("`", "'")
    t = re.sub(r"\s+", " ", t).strip()
    return t if len(t) <= limit else t[: limit - 1] + "…"


# --- the packer ---------------------------------------------------------------------------


@dataclass
class _Block:
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


class ContextPacker:
    """Records + derived facts → :class:`PackedContext` within ``budget`` tokens."""

    def __init__(
        self,
        *,
        budget: int = 1500,
        model: str = "gpt-4o-mini",
        lang: str = "en",
        topics: frozenset[str] = frozenset(),
        amount: tuple[float, str] | None = None,
        target: str | None = None,
        notes: Sequence[str] = (),
        counter: Callable[[str, str], int] | None = None,
    ) -> None:
        self.budget = budget
        self.model = model
        self.lang = lang
        self.topics = topics
        self.amount = amount
        self.target = target
        self.notes = list(notes)
        self._counter = counter

    def count(self, text: str) -> int:
        if self._counter is not None:
            return self._counter(text, self.model)
        from prompts.tokens import count_text  # deferred: tiktoken is a heavy import

        return count_text(text, self.model)

    def pack(
        self,
        records: Sequence[Record],
        failures: Sequence[SourceFailure] = (),
        *,
        now: datetime | None = None,
    ) -> PackedContext:
        now = now or datetime.now(timezone.utc)
        facts: list[Fact] = []
        blocks: list[_Block] = []
        sources: list[SourceRef] = []
        for rec in records:
            rec_facts = self._facts_for(rec)
            facts.extend(rec_facts)
            sources.append(self._source_ref(rec, now, rec_facts))
            blocks.append(self._block(rec, rec_facts, now))
        extra = conversion_facts(records, amount=self.amount, target=self._target())
        if "compare" in self.topics or len({f.subject for f in facts if f.name == "change_pct"}) > 1:
            extra.extend(comparison_facts(facts))
        facts.extend(extra)
        seen: set[tuple[str, str, float | None]] = set()
        derived_lines = []
        for f in extra:
            key = (f.subject, f.unit, f.number)
            if f.name.startswith("in_") and key in seen:
                continue  # the quote's price and the history's close converted to the same amount
            seen.add(key)
            derived_lines.append(self._derived_line(f))
        failure_lines = [self._failure_line(f) for f in failures]
        nonce = "".join(secrets.choice(NONCE_ALPHABET) for _ in range(NONCE_LENGTH))

        omitted: list[str] = []
        for level in range(len(LEVELS)):
            text = self._render(blocks, level, derived_lines, failure_lines, omitted, now, nonce)
            tokens = self.count(text)
            if tokens <= self.budget:
                return PackedContext(text, tokens, self.budget, sources, facts, list(failures), omitted, level,
                                     self.lang, derived_lines)
        # Still too big at the tersest level: drop whole blocks from the end, and say so.
        level = len(LEVELS) - 1
        kept = list(blocks)
        while kept:
            dropped = kept.pop()
            omitted.insert(0, dropped.subject)
            text = self._render(kept, level, derived_lines, failure_lines, omitted, now, nonce)
            tokens = self.count(text)
            if tokens <= self.budget:
                break
        return PackedContext(text, tokens, self.budget, sources, facts, list(failures), omitted, level,
                             self.lang, derived_lines)

    # --- pieces ---------------------------------------------------------------------------

    def _target(self) -> str | None:
        if self.target:
            return self.target
        if self.amount is not None:
            return "KRW" if self.amount[1] != "KRW" else "USD"
        if "convert" in self.topics:
            return "KRW" if self.lang == "ko" else None
        return None

    def _facts_for(self, rec: Record) -> list[Fact]:
        if isinstance(rec, Series):
            finance = rec.connector in ("fx", "crypto", "stocks") or rec.connector not in _BUILTIN
            out: list[Fact] = []
            for col in self._series_cols(rec):
                if "code" in col:
                    continue  # categorical (WMO codes): a mean of codes means nothing
                facts = series_facts(rec, col, rich=finance)
                if finance and not self.topics & {"trend", "all"}:
                    # A price question needs the range and the move; the trend readings are
                    # for trend questions.
                    facts = [f for f in facts if f.name in _PLAIN_SERIES_FACTS]
                if "probability" in col:
                    facts = [f for f in facts if f.name == "max"]  # only the peak chance matters
                out.extend(facts)
            return out
        if isinstance(rec, Observation):
            return observation_facts(rec)
        return []

    def _source_ref(self, rec: Record, now: datetime, rec_facts: list[Fact]) -> SourceRef:
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
            finance = rec.connector in ("fx", "crypto", "stocks")
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

    def _block(self, rec: Record, rec_facts: list[Fact], now: datetime) -> _Block:
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
        return _Block(f"{clean_text(rec.subject)} {kind}", clean_text(rec.subject), head, kind, bodies)

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
        if self.lang == "ko" and (unit == "KRW" or currency == "KRW") and _is_money(name.lower()) and abs(float(value)) >= 1e8:
            text += f" ({korean_amount(float(value))})"
        return text

    def _series_cols(self, rec: Series) -> list[str]:
        cols = select_fields(_series_columns(rec), rec.connector, self.topics)
        if "condition" in cols:
            cols = [c for c in cols if c != "weather_code"]  # the words say it better
        return cols

    def _observation_fields(self, rec: Record, values: dict[str, Scalar], topics: frozenset[str]) -> list[str]:
        names = [n for n in select_fields(list(values), rec.connector, topics) if values[n] is not None]
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
        daily: bool | str = _is_daily(times, zone)
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
            tname, tvals = _time_column([rec.points[i].time for i in rows], zone)
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
                return "since " + _short_time(datetime.fromisoformat(d[6:]), zone, daily)
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
        when = f" at {_short_time(f.at, zone, daily)}" if f.at and f.name in ("min", "max") else ""
        extra = ""
        if detail and f.detail and f.name in ("moving_avg", "volatility", "change", "change_pct"):
            extra = f" ({self._detail(f, zone, daily)})"
        return f"{f.field} {f.name}: {val}{unit}{when}{extra}"

    def _derived_line(self, f: Fact) -> str:
        if f.name.startswith("in_"):
            val = fmt_number(f.number or 0.0, "amount", f.unit, currency=f.unit)
            ko = f" ({korean_amount(f.number or 0.0)})" if self.lang == "ko" and f.unit == "KRW" and abs(f.number or 0) >= 1e4 else ""
            what = clean_text(f.subject) if f.field == "amount" else f"{clean_text(f.subject)} {f.field}"
            return f"conversion: {what} = {readable.grouped(val)} {f.unit}{ko} ({f.detail})"
        val = fmt_number(f.number or 0.0, "pct", "%")
        return f"comparison: {clean_text(f.subject)} change differs by {val} percentage points"

    def _failure_line(self, f: SourceFailure) -> str:
        kind = f" [{clean_text(f.error, 40)}]" if f.error else ""
        return f"## MISSING {clean_text(f.describe(), 80)}: fetch failed{kind}: {clean_text(f.message)}. No data from this source; say so if the question needs it."

    def _render(
        self,
        blocks: Sequence[_Block],
        level: int,
        derived: Sequence[str],
        failures: Sequence[str],
        omitted: Sequence[str],
        now: datetime,
        nonce: str,
    ) -> str:
        body_parts: list[str] = []
        for i, b in enumerate(blocks):
            shared = (i > 0 and blocks[i - 1].head == b.head) or (i + 1 < len(blocks) and blocks[i + 1].head == b.head)
            if shared:
                # One header for consecutive blocks with the same subject, source and as-of time.
                if i == 0 or blocks[i - 1].head != b.head:
                    body_parts.append(f"## {b.head}")
                body = b.body_by_level[level]
                if re.match(r"\d+ points", body):
                    body_parts.append(f"{b.kind}, {body}")  # "hourly, 24 points, summarised:"
                else:
                    body_parts.append(f"{b.kind}:\n{body}")
            else:
                body_parts.append(f"## {b.subject} {b.kind} · {b.head.split(' · ', 1)[1]}")
                body_parts.append(b.body_by_level[level])
        if derived:
            body_parts.append("## derived by briefbot")
            body_parts.extend(derived)
        body_parts.extend(failures)
        if omitted:
            body_parts.append("## OMITTED for the token budget: " + "; ".join(omitted))
        if not blocks and not failures and not omitted:  # data cut for the budget is not "no data"
            body_parts.append("## NO DATA: no data source was fetched for this question.")
        body = "\n".join(p for p in body_parts if p)
        open_m, close_m = FENCE_OPEN.format(nonce=nonce), FENCE_CLOSE.format(nonce=nonce)
        # No "now" line: every block states its as-of time and its age, which together give it.
        head = [f"planner note: {clean_text(n)}" for n in self.notes]
        return "\n".join([*head, open_m, body, close_m])


def _now_zone(blocks: Sequence[_Block], now: datetime) -> tzinfo:
    return now.tzinfo or timezone.utc


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
