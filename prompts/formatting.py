"""Formatting for people and for the model: numbers rounded by meaning, Korean amounts, times
in the place's or market's zone, and ages. The one home of these helpers in prompts/."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo

from connectors.records import Record
from prompts.lexicon import zone_for_subject

__all__ = ["age_in_words", "display_zone", "fmt_number", "fmt_time", "is_daily", "is_money", "korean_amount", "short_time", "time_column"]

# --- numbers --------------------------------------------------------------------------------


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
    if u in _WHOLE_UNITS or (currency in _WHOLE_UNITS and is_money(lname)):
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
    if is_money(lname) or (u and u.isalpha() and u.isupper() and len(u) == 3):
        return f"{v:.0f}" if abs(v) >= 1e6 and v == int(v) else f"{v:.2f}"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return _strip(f"{v:.2f}") if abs(v) >= 1 else _strip(f"{v:.4g}")


# Currencies whose amounts are written without minor units (no one writes 14,866.00 yen).
_WHOLE_UNITS = frozenset({"KRW", "원", "₩", "JPY", "¥", "ISK"})


def is_money(lname: str) -> bool:
    return bool(re.search(r"price|close|open|high|low|amount|cap|value|last", lname))


# --- Korean amounts -----------------------------------------------------------------------


def korean_amount(value: float) -> str:
    """162876000 → '1억 6,288만'; 2058811028682 → '2조 588억'; 138302 → '13만 8,302'.

    Rounded to the unit below the largest, which is how Korean news reads large amounts.
    """
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v >= 1e12:
        jo, eok = divmod(round(v / 1e8), 10_000)
        return sign + f"{jo:,}조" + (f" {eok:,}억" if eok else "")
    if v >= 1e8:
        eok, man = divmod(round(v / 1e4), 10_000)
        return sign + f"{eok:,}억" + (f" {man:,}만" if man else "")
    if v >= 1e4:
        man, rest = divmod(round(v), 10_000)
        return sign + f"{man:,}만" + (f" {rest:,}" if rest else "")
    return sign + f"{v:,.0f}"


# --- ages ---------------------------------------------------------------------------------


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


# --- times ----------------------------------------------------------------------------------


def display_zone(record: Record) -> tzinfo:
    """The zone a reader expects for this record: the place's or market's, else its own."""
    name = zone_for_subject(record.subject)
    if name:
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


def is_daily(times: Sequence[datetime], zone: tzinfo) -> bool:
    local = [t.astimezone(zone) for t in times]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    return all(t.hour == 0 and t.minute == 0 for t in local) or (bool(gaps) and min(gaps) >= 20 * 3600)


def short_time(dt: datetime, zone: tzinfo, daily: bool | str) -> str:
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


def time_column(times: Sequence[datetime], zone: tzinfo) -> tuple[str, list[str]]:
    local = [t.astimezone(zone) for t in times]
    label = _zone_label(local[0]) if local else ""
    daily = is_daily(times, zone)
    if daily:
        years = sorted({t.year for t in local})
        return f"date({'/'.join(map(str, years))})", [t.strftime("%m-%d") for t in local]
    if len({t.date() for t in local}) == 1:
        return f"time({local[0].strftime('%Y-%m-%d')} {label})", [t.strftime("%H:%M") for t in local]
    return f"time({local[0].year} {label})", [t.strftime("%m-%d %H:%M") for t in local]
