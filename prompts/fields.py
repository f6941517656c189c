"""Field policy: which of a record's fields a question needs, so nothing else costs tokens."""

from __future__ import annotations

import re
from collections.abc import Sequence

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
PLAIN_SERIES_FACTS = frozenset({"first", "latest", "min", "max", "change", "change_pct"})


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


def is_finance_series(connector: str) -> bool:
    """Whether a series from ``connector`` gets the finance facts (move, range, volatility)."""
    return connector in ("fx", "crypto", "stocks") or connector not in _BUILTIN
