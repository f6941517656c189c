"""How much history or forecast a question asks for, in days ("past 6 months", "지난 3개월",
"5일간", "this week"): the ``days`` params of the finance and weather steps.

Calendar dates ("2025-03-01", "지난주", "next week") are :mod:`bot.planner.dates`' job; this
module reads durations.
"""

from __future__ import annotations

import re

from bot.planner.matching import any_word


# The connectors' own bounds on ``days`` (a test keeps these in step with their params).
STOCKS_MAX_BARS = 250  # stocks: about a year of trading days
CRYPTO_MAX_DAYS = 200  # crypto: Upbit's largest candle page

_EN_COUNT = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_COUNT = r"(\d{1,3}|" + "|".join(_EN_COUNT) + ")"
_PAST_WORDS = ("past", "last", "지난", "최근", "동안", "간")


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _EN_COUNT[word]


def period_days(text: str, lowered: str) -> int | None:
    """Calendar days of history the question names explicitly ("past 6 months", "지난 3개월",
    "last week"), or None. Capped at a year: no connector keeps more."""
    past = any_word(text, lowered, _PAST_WORDS)
    m = re.search(_COUNT + r"\s*(?:years?|년)", lowered)
    if m and past:
        return 365
    m = re.search(_COUNT + r"\s*(?:months?|개월|달)", lowered)
    if m and past:
        return min(_count(m.group(1)) * 30 + _count(m.group(1)) // 2, 365)  # 6 months = 183 days
    m = re.search(_COUNT + r"\s*(?:weeks?|주일?)(?!\s*(?:최고|최저|high|low))", lowered)
    if m and past and "52" not in m.group(1):
        return min(_count(m.group(1)) * 7, 365)
    m = re.search(_COUNT + r"\s*(?:days?|일간|일 동안|일)", lowered)
    if m and past:
        return max(2, min(_count(m.group(1)), 365))
    if any_word(text, lowered, ("half a year", "반년")):
        return 183
    if any_word(text, lowered, ("last week", "past week", "this week", "지난주", "지난 주", "일주일", "한 주", "1주", "이번 주", "이번주")):
        return 7
    if any_word(text, lowered, ("last month", "past month", "한 달", "한달", "1개월", "지난달", "30 days")):
        return 30
    if any_word(text, lowered, ("last year", "past year", "1년", "일 년", "지난해")):
        return 365
    return None


def horizon_days(text: str, lowered: str, *, trend_words: tuple[str, ...]) -> int | None:
    """Days of history a trend question asks for: the period it names, else 30 for a bare
    trend word ("추이", "trend"), else None (the latest figure only)."""
    period = period_days(text, lowered)
    if period is not None:
        return period
    return 30 if any_word(text, lowered, trend_words) else None


def history_bars(connector: str, horizon: int | None) -> str:
    """The ``days`` param of a finance step: daily bars covering ``horizon`` calendar days.

    A plain price question gets the quote alone ("0"): its change vs the previous close is in
    the quote, and a week of bars would cost a second request and ~60 tokens for nothing.
    Stocks trade about 5 days in 7 (holidays aside); coins trade every day.
    """
    if not horizon:
        return "0"
    if connector == "stocks":
        return str(min(max(2, round(horizon * 5 / 7)), STOCKS_MAX_BARS))
    return str(min(horizon, CRYPTO_MAX_DAYS))


# From this many forecast days on, a weather step asks no hourly forecast.
WEEK_SCALE_DAYS = 4


def forecast_days(text: str, lowered: str) -> int | None:
    if any_word(text, lowered, ("day after tomorrow", "모레")):
        return 3
    if any_word(text, lowered, ("tomorrow", "내일")):
        return 2
    m = re.search(r"(\d{1,2})\s*(?:-day|days?|일간|일)", lowered)
    if m:
        return max(1, min(int(m.group(1)), 16))
    if any_word(text, lowered, ("this week", "next week", "week", "weekend", "이번 주", "이번주", "주말", "일주일", "다음 주", "주간")):
        return 7
    if any_word(text, lowered, ("forecast", "예보")):
        return 3
    return None


