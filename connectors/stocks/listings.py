"""Companies people ask about by name, and the ticker each name means.

One source of truth: the ``stocks`` connector resolves a ``symbol=삼성전자`` with it, and the
planner's vocabulary (:mod:`prompts.lexicon`) derives its company list from it. Adding a
company is one line here.
"""

from __future__ import annotations

# symbol -> the names it is called by (Korean and English spellings side by side).
LISTINGS: dict[str, tuple[str, ...]] = {
    "005930.KS": ("삼성전자", "삼전", "samsung electronics", "samsung"),
    "000660.KS": ("SK하이닉스", "하이닉스", "sk hynix", "hynix"),
    "373220.KS": ("LG에너지솔루션", "lg energy solution"),
    "207940.KS": ("삼성바이오로직스",),
    "005380.KS": ("현대차", "현대자동차", "hyundai motor", "hyundai"),
    "000270.KS": ("기아", "kia"),
    "068270.KS": ("셀트리온", "celltrion"),
    "035420.KS": ("NAVER", "네이버"),
    "035720.KS": ("카카오", "kakao"),
    "005490.KS": ("POSCO홀딩스", "포스코홀딩스"),
    "051910.KS": ("LG화학",),
    "006400.KS": ("삼성SDI",),
    "105560.KS": ("KB금융",),
    "055550.KS": ("신한지주",),
    "247540.KQ": ("에코프로비엠",),
    "086520.KQ": ("에코프로",),
    "AAPL": ("애플", "apple"),
    "TSLA": ("테슬라", "tesla"),
    "NVDA": ("엔비디아", "nvidia"),
    "MSFT": ("마이크로소프트", "마소", "microsoft"),
    "GOOGL": ("구글", "알파벳", "google", "alphabet"),
    "AMZN": ("아마존", "amazon"),
    "NFLX": ("넷플릭스", "netflix"),
    "META": ("메타플랫폼스", "meta platforms"),
    "GME": ("게임스탑", "gamestop"),
}


def is_korean_listing(symbol: str) -> bool:
    return symbol.upper().endswith((".KS", ".KQ"))


# Korean listings by name: what ``symbol=`` accepts besides a ticker (a US name such as
# "apple" is left alone there: a ticker is what the connector's users type for those).
KOREAN_LISTINGS: dict[str, str] = {
    name: symbol for symbol, names in LISTINGS.items() if is_korean_listing(symbol) for name in names
}
_BY_FOLDED_NAME = {name.casefold(): symbol for name, symbol in KOREAN_LISTINGS.items()}


def symbol_for_name(value: str) -> str:
    """The ticker of a Korean listing's name (any case), or ``value`` unchanged."""
    return _BY_FOLDED_NAME.get(value.casefold(), value)
