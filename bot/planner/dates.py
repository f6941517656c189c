"""Dates and periods named in a question, in English and Korean, as calendar days.

"2025-03-01", "3월 1일", "March 1", "어제", "그저께", "모레", "last Friday", "지난 금요일",
"지난주", "next week", "다음주", "this weekend", "이번 주말" all become a :class:`DateAsk`: a
first and a last day, worked out from ``today`` — the question's own date in the user's
zone, passed in so tests (and users in Seoul just after midnight UTC) get the right day.
Whether a source can serve those days is the connectors' call (a rate for tomorrow, a
forecast 20 days out are refused there with a clear message); this module only reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split())}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_WEEKDAYS_EN = {d: i for i, d in enumerate("monday tuesday wednesday thursday friday saturday sunday".split())}
_WEEKDAYS_KO = {d: i for i, d in enumerate("월요일 화요일 수요일 목요일 금요일 토요일 일요일".split())}

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_KO_DATE = re.compile(r"(?:(\d{4})\s*년\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_EN_MONTH_DAY = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4}))?", re.IGNORECASE)
_EN_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?(?:,?\s*(\d{4}))?", re.IGNORECASE)
_EN_WEEKDAY = re.compile(r"\b(last|this|next|on)?\s*(" + "|".join(_WEEKDAYS_EN) + r")\b", re.IGNORECASE)
_KO_WEEKDAY = re.compile(r"(지난\s*주|저번\s*주|이번\s*주|다음\s*주|지난|저번|이번|다음)?\s*(" + "|".join(_WEEKDAYS_KO) + ")")


@dataclass(frozen=True)
class DateAsk:
    """The days a question is about: ``start`` to ``end``, both included."""

    start: date
    end: date
    words: str  # the phrase that named them, for the plan's reason

    @property
    def single(self) -> bool:
        return self.start == self.end


def find_dates(text: str, today: date) -> DateAsk | None:
    """The first date or period ``text`` names, or None (no date means "now")."""
    lowered = text.lower()
    days = _explicit_days(text, lowered, today)
    if len(days) >= 2:
        (a, wa), (b, wb) = days[0], days[1]
        return DateAsk(min(a, b), max(a, b), f"{wa} ~ {wb}")
    if days:
        return DateAsk(days[0][0], days[0][0], days[0][1])
    for finder in (_relative_day, _weekday, _week_or_weekend):
        found = finder(lowered, today)
        if found is not None:
            return found
    return None


def _explicit_days(text: str, lowered: str, today: date) -> list[tuple[date, str]]:
    """Absolute dates, in order of appearance; a date without a year is in today's year."""
    out: list[tuple[int, date, str]] = []
    for m in _ISO.finditer(text):
        _add(out, m.start(), int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(0))
    for m in _KO_DATE.finditer(text):
        _add(out, m.start(), int(m.group(1) or today.year), int(m.group(2)), int(m.group(3)), m.group(0))
    for m in _EN_MONTH_DAY.finditer(lowered):
        _add(out, m.start(), int(m.group(3) or today.year), _MONTHS[m.group(1).lower()], int(m.group(2)), m.group(0))
    for m in _EN_DAY_MONTH.finditer(lowered):
        _add(out, m.start(), int(m.group(3) or today.year), _MONTHS[m.group(2).lower()], int(m.group(1)), m.group(0))
    return [(d, w) for _, d, w in sorted(out, key=lambda t: t[0])]


def _add(out: list[tuple[int, date, str]], pos: int, year: int, month: int, day: int, words: str) -> None:
    try:
        out.append((pos, date(year, month, day), words.strip()))
    except ValueError:
        pass  # "2월 30일" is no date; the question is answered as if none was named


# Longer phrases first: "day after tomorrow" before "tomorrow", 그저께 before 어제.
_RELATIVE: tuple[tuple[str, int], ...] = (
    ("day before yesterday", -2), ("day after tomorrow", 2), ("yesterday", -1), ("today", 0), ("tonight", 0),
    ("tomorrow", 1), ("그저께", -2), ("그제", -2), ("어제", -1), ("오늘", 0), ("내일", 1), ("모레", 2), ("글피", 3),
)


def _relative_day(lowered: str, today: date) -> DateAsk | None:
    for words, offset in _RELATIVE:
        if words in lowered:
            day = today + timedelta(days=offset)
            return DateAsk(day, day, words)
    return None


def _weekday(lowered: str, today: date) -> DateAsk | None:
    monday = today - timedelta(days=today.weekday())
    m = _KO_WEEKDAY.search(lowered)
    if m:
        which = re.sub(r"\s+", "", m.group(1) or "")
        week = -7 if which.startswith(("지난", "저번")) else 7 if which.startswith("다음") else 0
        target = _WEEKDAYS_KO[m.group(2)]
        if which in ("지난", "저번"):  # "지난 금요일": the latest one before today
            return _last(today, target, m.group(0).strip())
        day = monday + timedelta(days=week + target)
        return DateAsk(day, day, m.group(0).strip())
    m = _EN_WEEKDAY.search(lowered)
    if m:
        which, target = (m.group(1) or "").lower(), _WEEKDAYS_EN[m.group(2).lower()]
        if which == "last":
            return _last(today, target, m.group(0).strip())
        if which == "next":
            day = monday + timedelta(days=7 + target)
        else:  # "this Friday", "on Friday", "Friday": the coming one (today included)
            day = today + timedelta(days=(target - today.weekday()) % 7)
        return DateAsk(day, day, m.group(0).strip())
    return None


def _last(today: date, weekday: int, words: str) -> DateAsk:
    back = (today.weekday() - weekday) % 7 or 7
    day = today - timedelta(days=back)
    return DateAsk(day, day, words)


_WEEKS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("last weekend", "지난 주말", "지난주말", "저번 주말"), "last_weekend"),
    (("this weekend", "the weekend", "weekend", "이번 주말", "이번주말", "주말"), "weekend"),
    (("last week", "지난주", "지난 주", "저번주", "저번 주"), "last_week"),
    (("next week", "다음주", "다음 주"), "next_week"),
)


def _week_or_weekend(lowered: str, today: date) -> DateAsk | None:
    monday = today - timedelta(days=today.weekday())
    for words, kind in _WEEKS:
        hit = next((w for w in words if w in lowered), None)
        if hit is None:
            continue
        if kind == "weekend":  # the coming Saturday and Sunday (only Sunday left on a Sunday)
            return DateAsk(max(today, monday + timedelta(days=5)), monday + timedelta(days=6), hit)
        if kind == "last_weekend":
            return DateAsk(monday - timedelta(days=2), monday - timedelta(days=1), hit)
        if kind == "last_week":
            return DateAsk(monday - timedelta(days=7), monday - timedelta(days=1), hit)
        return DateAsk(monday + timedelta(days=7), monday + timedelta(days=13), hit)
    return None
