"""Money and coin amounts in a question, and the currency it asks them in.

"Convert 50 euros to dollars" → (50, EUR) to USD; "100달러 엔화로" → (100, USD) to JPY;
"3 bitcoin in won" → (3, BTC) to KRW; "0.5 ETH in USD" → (0.5, ETH) to USD. Codes are ISO
4217 for money and the exchange ticker for coins; the arithmetic is done later by code
(``prompts.facts.conversion_facts``), never by the model.
"""

from __future__ import annotations

import re

from prompts.lexicon import COINS, CURRENCY_WORDS, FX_CODES

_NUM = r"(\d[\d,]*(?:\.\d+)?)"
_SCALE = {"k": 1e3, "thousand": 1e3, "million": 1e6, "billion": 1e9, "천": 1e3, "만": 1e4, "억": 1e8}
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₩": "KRW"}

# Word -> code for amounts: the lexicon's currency words and coin names, ISO codes, and plural
# coin words. Longest first so "hong kong dollar" wins over "dollar".
_UNITS: dict[str, str] = {w.lower(): c for w, c in CURRENCY_WORDS if w not in _SYMBOLS}
_UNITS.update({code.lower(): code for code in FX_CODES})
_UNITS.update({name.lower(): coin.ticker for name, coin in COINS.items()})
_UNITS.update({"bitcoins": "BTC", "ethers": "ETH", "원": "KRW", "원화": "KRW", "엔화": "JPY", "위안화": "CNY"})
_UNIT_WORDS = "|".join(re.escape(w) for w in sorted(_UNITS, key=len, reverse=True))
_SCALE_WORDS = r"(k|thousand|million|billion|천|만|억)?"

_AMOUNT = re.compile(rf"{_NUM}\s*{_SCALE_WORDS}\s*({_UNIT_WORDS})(?![a-z])", re.IGNORECASE)
# "비트코인 0.5개", "이더리움 2개": a coin counted after its name.
_COIN_WORDS = "|".join(re.escape(w) for w in sorted((n for n in COINS), key=len, reverse=True))
_COIN_COUNT = re.compile(rf"({_COIN_WORDS})\s*{_NUM}\s*개", re.IGNORECASE)
_SYMBOL_AMOUNT = re.compile(rf"([$€£¥₩])\s?{_NUM}\s*(k|thousand|million|billion)?", re.IGNORECASE)
# "in won", "to dollars", "into yen"; "원화로", "엔화로", "달러로", "몇 원".
_TARGET_EN = re.compile(rf"\b(?:in|to|into)\s+({_UNIT_WORDS})(?![a-z])", re.IGNORECASE)
_TARGET_KO = re.compile(rf"({_UNIT_WORDS})\s*(?:으로|로)(?![\uac00-\ud7a3]{{2}})|몇\s*(원|달러|유로|엔)")


def find_amount(text: str) -> tuple[float, str] | None:
    """The first amount with its unit, e.g. (50.0, 'EUR'); None when the question has none."""
    hits: list[tuple[int, float, str]] = []
    for m in _AMOUNT.finditer(text):
        unit = _UNITS[m.group(3).lower()]
        if unit == "KRW" and m.group(3) == "원" and _is_target(text, m.end()):
            continue  # "몇 원으로": the target, not an amount
        hits.append((m.start(), _number(m.group(1)) * _SCALE.get((m.group(2) or "").lower(), 1.0), unit))
    for m in _COIN_COUNT.finditer(text):
        hits.append((m.start(), _number(m.group(2)), COINS[m.group(1).lower()].ticker))
    for m in _SYMBOL_AMOUNT.finditer(text):
        hits.append((m.start(), _number(m.group(2)) * _SCALE.get((m.group(3) or "").lower(), 1.0), _SYMBOLS[m.group(1)]))
    if not hits:
        return None
    _, value, unit = min(hits)
    return value, unit


def _is_target(text: str, end: int) -> bool:
    return bool(re.match(r"\s*(?:으로|로)", text[end:]))


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def find_target(text: str, amount: tuple[float, str] | None = None) -> str | None:
    """The currency a conversion asks for ("to dollars", "엔화로"), never the amount's own."""
    own = amount[1] if amount else None
    for m in _TARGET_KO.finditer(text):
        code = _UNITS.get((m.group(1) or m.group(2)).lower())
        if code and code != own:
            return code
    for m in _TARGET_EN.finditer(text):
        code = _UNITS[m.group(1).lower()]
        if code != own:
            return code
    return None


def is_coin(code: str) -> bool:
    return code not in FX_CODES and any(c.ticker == code for c in COINS.values())
