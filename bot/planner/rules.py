"""Deterministic rules planner: English and Korean questions → :class:`Plan`.

Rules cover the obvious questions (a named place and a weather word, a company and a price
word, a currency pair) without a model call, so the embedded model and the cheap path work.
When something the question needs is missing or ambiguous the plan says so
(``confident=False``, ``unresolved``), and a backend with tools may ask the model instead.

Matching rules worth knowing:
* Korean words match as substrings (particles attach: 서울의, 부산은), except one-syllable
  words (비, 눈, 엔) which must stand alone or before a particle, so 비트코인 is not rain and
  엔비디아 is not yen.
* Latin words match on word boundaries, case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from bot.planner.lexicon import (
    COIN_TICKERS,
    COINS,
    COMPANIES,
    CURRENCY_WORDS,
    FX_CODES,
    KNOWN_TICKERS,
    NOT_TICKERS,
    PLACES,
    Company,
    Place,
)
from bot.planner.plan import Lang, Plan, PlanStep

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
_PARTICLE_AFTER = "은는이가을를의도와과로에만랑"


def detect_language(text: str) -> Lang:
    """'ko' when Hangul makes up a real share of the letters (tickers do not tip it)."""
    hangul = len(_HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    return "ko" if hangul and hangul * 3 >= latin else "en"


def _is_korean(word: str) -> bool:
    return bool(_HANGUL.search(word))


def _find(text: str, lowered: str, word: str) -> int:
    """Position of ``word`` in the question, or -1 (see module docstring for the rules)."""
    w = word.lower()
    if _is_korean(w):
        if len(w) == 1:
            pattern = rf"(?<![\uac00-\ud7a3]){re.escape(w)}(?=$|[^\uac00-\ud7a3]|[{_PARTICLE_AFTER}화가와])"
            m = re.search(pattern, lowered)
            return m.start() if m else -1
        return lowered.find(w)
    if not w[0].isalnum():  # symbols such as $ or €
        return lowered.find(w)
    m = re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", lowered)
    return m.start() if m else -1


def _any(text: str, lowered: str, words: tuple[str, ...]) -> bool:
    return any(_find(text, lowered, w) >= 0 for w in words)


# --- topic words --------------------------------------------------------------------------
WEATHER_WORDS = (
    "weather", "temperature", "temp", "hot", "cold", "warm", "rain", "raining", "rainy", "snow",
    "umbrella", "forecast", "humid", "humidity", "wind", "windy", "sunny", "cloudy", "degrees",
    "날씨", "기온", "온도", "비", "눈", "우산", "덥", "더워", "추워", "춥", "습도", "바람", "맑", "흐리",
    "예보", "강수", "최고기온", "최저기온",
)
AIR_WORDS = (
    "air quality", "air", "pollution", "fine dust", "dust", "pm2.5", "pm10", "aqi", "smog",
    "미세먼지", "초미세먼지", "공기", "대기질", "황사", "대기",
)
FX_WORDS = ("exchange rate", "exchange", "fx", "forex", "currency", "rate", "환율", "환전", "환산")
PRICE_WORDS = (
    "price", "stock", "stocks", "share", "shares", "quote", "trading", "worth", "cost", "market",
    "주가", "시세", "가격", "주식", "얼마", "종가", "시가",
)
CRYPTO_CONTEXT = ("coin", "crypto", "코인", "암호화폐", "가상화폐")

TOPICS: dict[str, tuple[str, ...]] = {
    "rain": ("rain", "raining", "rainy", "umbrella", "precipitation", "비", "우산", "강수", "강우"),
    "snow": ("snow", "눈"),
    "humidity": ("humid", "humidity", "습도", "습해"),
    "wind": ("wind", "windy", "바람"),
    "temperature": ("temperature", "temp", "hot", "cold", "warm", "degrees", "기온", "온도", "덥", "더워", "춥", "추워"),
    "high_low": ("high", "low", "highest", "lowest", "max", "min", "최고", "최저", "고가", "저가"),
    "volume": ("volume", "거래량", "거래대금"),
    "trend": ("trend", "history", "over the", "past", "last week", "last month", "추이", "흐름", "동안", "지난"),
    "compare": ("compare", "comparison", "versus", "vs", "better", "비교", "대비", "보다"),
    "change": ("change", "rise", "rose", "fall", "fell", "up", "down", "gain", "drop", "등락", "올랐", "떨어", "상승", "하락", "변동"),
    "week52": ("52-week", "52 week", "52주"),
    "market_cap": ("market cap", "marketcap", "market capitalization", "market capitalisation", "시가총액", "시총"),
    "air": AIR_WORDS,
}

_KRW_CONTEXT = re.compile(r"원화|원달러|원/달러|원-달러|원\s*환율|\d\s*원|몇\s*원|원으로|원에|krw|(?<![a-z])won(?![a-z])|₩|업비트|upbit")
_PAIR = re.compile(r"(?<![A-Za-z])([A-Za-z]{3})\s*(?:/|-|\bto\b|\binto\b|\bin\b|\bvs\.?\b|대)\s*([A-Za-z]{3})(?![A-Za-z])")
_KO_PAIRS = (("원달러", "USD"), ("원/달러", "USD"), ("원-달러", "USD"), ("원엔", "JPY"), ("원/엔", "JPY"), ("원유로", "EUR"), ("원/유로", "EUR"))
_KR_CODE = re.compile(r"(?<!\d)(\d{6})(?:\.(KS|KQ))?(?![\d원,])", re.IGNORECASE)
_DOLLAR_TICKER = re.compile(r"\$([A-Za-z]{1,5})\b")
_UPPER_TICKER = re.compile(r"(?<![A-Za-z0-9.$])([A-Z][A-Z0-9]{1,5}(?:\.[A-Z]{1,2})?)(?![A-Za-z0-9.])")

_NUM = r"(\d[\d,]*(?:\.\d+)?)"
_AMOUNT_EN = re.compile(
    rf"(?:\$\s?{_NUM}\s*(k|thousand|million|billion)?)|(?:{_NUM}\s*(k|thousand|million|billion)?\s*"
    r"(dollars?|usd|euros?|eur|yen|jpy|won|krw|pounds?|gbp|yuan|cny)\b)",
    re.IGNORECASE,
)
_AMOUNT_KO = re.compile(rf"{_NUM}\s*(천|만|억)?\s*(달러|유로|엔|원|위안|파운드)")
_EN_UNIT = {"dollar": "USD", "dollars": "USD", "usd": "USD", "euro": "EUR", "euros": "EUR", "eur": "EUR",
            "yen": "JPY", "jpy": "JPY", "won": "KRW", "krw": "KRW", "pound": "GBP", "pounds": "GBP",
            "gbp": "GBP", "yuan": "CNY", "cny": "CNY"}
_KO_UNIT = {"달러": "USD", "유로": "EUR", "엔": "JPY", "원": "KRW", "위안": "CNY", "파운드": "GBP"}
_SCALE = {"k": 1e3, "thousand": 1e3, "million": 1e6, "billion": 1e9, "천": 1e3, "만": 1e4, "억": 1e8}
_TARGET_KO = re.compile(r"(원화|원|달러|유로|엔화|엔|위안)\s*(?:으로|로)|몇\s*(원|달러|유로|엔)")
_TARGET_EN = re.compile(r"\b(?:in|to|into)\s+(won|krw|dollars?|usd|euros?|eur|yen|jpy|pounds?|gbp)\b", re.IGNORECASE)
_TARGET_KO_CODES = {"원화": "KRW", "원": "KRW", "달러": "USD", "유로": "EUR", "엔화": "JPY", "엔": "JPY", "위안": "CNY"}


@dataclass
class _Found:
    places: list[Place] = field(default_factory=list)
    companies: list[Company] = field(default_factory=list)
    coins: list[tuple[str, str]] = field(default_factory=list)  # (gecko_id, ticker)
    currencies: list[str] = field(default_factory=list)  # in order of appearance


def _ordered_matches(text: str, lowered: str, table: Mapping[str, object]) -> list[tuple[int, str]]:
    """(position, key) of every table key found, longest keys first so 'sk하이닉스' beats '하이닉스'."""
    taken: list[tuple[int, int]] = []
    out: list[tuple[int, str]] = []
    for key in sorted(table, key=len, reverse=True):
        pos = _find(text, lowered, key)
        if pos < 0 or any(a <= pos < b for a, b in taken):
            continue
        taken.append((pos, pos + len(key)))
        out.append((pos, key))
    return sorted(out)


def _scan(text: str) -> _Found:
    lowered = text.lower()
    found = _Found()
    for _, key in _ordered_matches(text, lowered, dict(PLACES)):
        place = PLACES[key]
        if place not in found.places:
            found.places.append(place)
    company_hits = _ordered_matches(text, lowered, dict(COMPANIES))
    companies = [(pos, COMPANIES[key]) for pos, key in company_hits]
    # Blank out matched names so "SK하이닉스" does not also yield a ticker "SK".
    masked = text
    for pos, key in company_hits:
        masked = masked[:pos] + " " * len(key) + masked[pos + len(key):]
    for m in _KR_CODE.finditer(text):
        companies.append((m.start(), Company(f"{m.group(1)}.{(m.group(2) or 'KS').upper()}", "KRW", "Asia/Seoul")))
    for m in _DOLLAR_TICKER.finditer(text):
        sym = m.group(1).upper()
        if sym not in FX_CODES and sym not in COIN_TICKERS:
            companies.append((m.start(), Company(sym, "USD", "America/New_York")))
    stock_context = _any(text, lowered, ("stock", "stocks", "share", "shares", "ticker", "주가", "주식", "종가"))
    for m in _UPPER_TICKER.finditer(masked):
        sym = m.group(1)
        known = sym in KNOWN_TICKERS
        if known or (stock_context and sym not in FX_CODES and sym not in COIN_TICKERS and sym not in NOT_TICKERS):
            companies.append((m.start(), Company(sym, "KRW" if sym.endswith((".KS", ".KQ")) else "USD",
                                                 "Asia/Seoul" if sym.endswith((".KS", ".KQ")) else "America/New_York")))
    for _, company in sorted(companies, key=lambda pc: pc[0]):
        if all(c.symbol != company.symbol for c in found.companies):
            found.companies.append(company)
    for _, key in _ordered_matches(text, lowered, dict(COINS)):
        coin = COINS[key]
        if (coin.gecko_id, coin.ticker) not in found.coins:
            found.coins.append((coin.gecko_id, coin.ticker))
    currency_table = dict(CURRENCY_WORDS)
    for code in FX_CODES:
        currency_table.setdefault(code.lower(), code)
    for _, key in _ordered_matches(text, lowered, currency_table):
        code = currency_table[key]
        if code not in found.currencies:
            found.currencies.append(code)
    return found


def _amount(text: str) -> tuple[float, str] | None:
    m = _AMOUNT_KO.search(text)
    if m:
        value = float(m.group(1).replace(",", "")) * _SCALE.get(m.group(2) or "", 1.0)
        return value, _KO_UNIT[m.group(3)]
    m = _AMOUNT_EN.search(text)
    if m:
        if m.group(1):
            return float(m.group(1).replace(",", "")) * _SCALE.get((m.group(2) or "").lower(), 1.0), "USD"
        value = float(m.group(3).replace(",", "")) * _SCALE.get((m.group(4) or "").lower(), 1.0)
        return value, _EN_UNIT[m.group(5).lower()]
    return None


def _conversion_target(text: str) -> str | None:
    m = _TARGET_KO.search(text)
    if m:
        return _TARGET_KO_CODES[m.group(1) or m.group(2)]
    m = _TARGET_EN.search(text)
    if m:
        return _EN_UNIT[m.group(1).lower()]
    return None


# The connectors' own bounds on ``days`` (a test keeps these in step with their params).
STOCKS_MAX_BARS = 250  # stocks: about a year of trading days
CRYPTO_MAX_DAYS = 200  # crypto: Upbit's largest candle page

_EN_COUNT = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_COUNT = r"(\d{1,3}|" + "|".join(_EN_COUNT) + ")"
_PAST_WORDS = ("past", "last", "지난", "최근", "동안", "간")


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _EN_COUNT[word]


def _period_days(text: str, lowered: str) -> int | None:
    """Calendar days of history the question names explicitly ("past 6 months", "지난 3개월",
    "last week"), or None. Capped at a year: no connector keeps more."""
    past = _any(text, lowered, _PAST_WORDS)
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
    if _any(text, lowered, ("half a year", "반년")):
        return 183
    if _any(text, lowered, ("last week", "past week", "this week", "지난주", "지난 주", "일주일", "한 주", "1주", "이번 주", "이번주")):
        return 7
    if _any(text, lowered, ("last month", "past month", "한 달", "한달", "1개월", "지난달", "30 days")):
        return 30
    if _any(text, lowered, ("last year", "past year", "1년", "일 년", "지난해")):
        return 365
    return None


def _horizon_days(text: str, lowered: str) -> int | None:
    """Days of history a trend question asks for: the period it names, else 30 for a bare
    trend word ("추이", "trend"), else None (the latest figure only)."""
    period = _period_days(text, lowered)
    if period is not None:
        return period
    return 30 if _any(text, lowered, TOPICS["trend"]) else None


def _history_bars(connector: str, horizon: int | None) -> str:
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


def _forecast_days(text: str, lowered: str) -> int | None:
    if _any(text, lowered, ("day after tomorrow", "모레")):
        return 3
    if _any(text, lowered, ("tomorrow", "내일")):
        return 2
    m = re.search(r"(\d{1,2})\s*(?:-day|days?|일간|일)", lowered)
    if m:
        return max(1, min(int(m.group(1)), 16))
    if _any(text, lowered, ("this week", "next week", "week", "weekend", "이번 주", "이번주", "주말", "일주일", "다음 주", "주간")):
        return 7
    if _any(text, lowered, ("forecast", "예보")):
        return 3
    return None


def plan_question(question: str, *, now: datetime | None = None) -> Plan:
    """Map a question to the connector calls that answer it (no network, no model)."""
    text = question.strip()
    lowered = text.lower()
    lang = detect_language(text)
    now = now or datetime.now(timezone.utc)
    found = _scan(text)
    topics = frozenset(t for t, words in TOPICS.items() if _any(text, lowered, words))
    steps: list[PlanStep] = []
    unresolved: list[str] = []

    wants_weather = _any(text, lowered, WEATHER_WORDS)
    wants_air = _any(text, lowered, AIR_WORDS)
    wants_fx = _any(text, lowered, FX_WORDS)
    wants_price = _any(text, lowered, PRICE_WORDS)
    krw_context = bool(_KRW_CONTEXT.search(lowered))
    amount = _amount(text)
    target = _conversion_target(text)
    finance_named = bool(found.companies or found.coins)

    # --- weather / air -------------------------------------------------------------------
    place_only = found.places and not (wants_weather or wants_air or finance_named or wants_fx)
    if wants_weather or place_only:
        if not found.places:
            unresolved.append("weather asked but no known place named")
        days = _forecast_days(text, lowered)
        for place in found.places:
            params = {"place": place.name}
            if days:
                params["days"] = str(days)
            if days and days >= WEEK_SCALE_DAYS:
                # A question about the coming days is answered by daily figures; the next 24
                # hourly points would only cost tokens on the wire and in the context.
                params["hours"] = "0"
            why = "weather words" if wants_weather else "a place named without a topic"
            steps.append(PlanStep("weather", params, f"{why}: {place.name}"))
        if place_only:
            unresolved.append("a place without a topic: assumed weather")
    if wants_air:
        if not found.places:
            unresolved.append("air quality asked but no known place named")
        for place in found.places:
            steps.append(PlanStep("air", {"place": place.name}, f"air-quality words: {place.name}"))

    # History only when the question names a period or a trend (else the quote alone).
    finance_horizon = _horizon_days(text, lowered)

    # --- stocks --------------------------------------------------------------------------
    for company in found.companies:
        steps.append(PlanStep("stocks", {"symbol": company.symbol, "days": _history_bars("stocks", finance_horizon)},
                              f"company or ticker: {company.symbol}"))

    # --- crypto --------------------------------------------------------------------------
    usd_context = any(c != "KRW" for c in found.currencies) and not krw_context
    for gecko_id, ticker in found.coins:
        coin_days = _history_bars("crypto", finance_horizon)
        if (lang == "ko" and not usd_context) or krw_context:
            steps.append(PlanStep("crypto", {"market": f"KRW-{ticker}", "days": coin_days}, f"coin {ticker} in KRW (Upbit)"))
        else:
            vs = next((c for c in found.currencies if c != "KRW"), "USD").lower()
            steps.append(PlanStep("crypto", {"coin": gecko_id, "vs": vs, "days": coin_days},
                                  f"coin {ticker} in {vs.upper()} (CoinGecko)"))

    # --- fx ------------------------------------------------------------------------------
    fx_pairs = _fx_pairs(text, lowered, lang, found, wants_fx, amount, target, unresolved)
    horizon = _horizon_days(text, lowered) if ("trend" in topics or wants_fx) else None
    for base, quote in fx_pairs:
        params = {"base": base, "symbols": quote}
        if horizon:
            today = now.date()
            params["start"] = (today - timedelta(days=horizon)).isoformat()
            params["end"] = today.isoformat()
        elif _any(text, lowered, ("yesterday", "어제")):
            params["date"] = (now.date() - timedelta(days=1)).isoformat()
        steps.append(PlanStep("fx", params, f"exchange rate {base}/{quote}"))

    if wants_price and not (found.companies or found.coins or fx_pairs) and not (wants_weather or wants_air):
        unresolved.append("a price asked but no known company, ticker or coin named")
    if not steps and not unresolved:
        unresolved.append("no known place, company, coin or currency in the question")

    steps = _dedupe(steps)
    topics = topics | ({"convert"} if amount or (target and finance_named) else set())
    if any((s.connector == "fx" and "start" in s.params) or s.params.get("days", "0") != "0"
           for s in steps if s.connector in ("fx", "stocks", "crypto")):
        topics = topics | {"trend"}
    return Plan(steps=steps, confident=bool(steps) and not unresolved, lang=lang, topics=frozenset(topics),
                amount=amount, unresolved=unresolved)


def _fx_pairs(
    text: str,
    lowered: str,
    lang: Lang,
    found: _Found,
    wants_fx: bool,
    amount: tuple[float, str] | None,
    target: str | None,
    unresolved: list[str],
) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for m in _PAIR.finditer(text):
        a, b = m.group(1).upper(), m.group(2).upper()
        if a in FX_CODES and b in FX_CODES and a != b:
            pairs.append((a, b))
    for word, code in _KO_PAIRS:
        if word in lowered:
            pairs.append((code, "KRW"))
    if pairs:
        return list(dict.fromkeys(pairs))

    # A conversion: "100달러는 몇 원?", "$250 in won", "애플 주가 원화로".
    if amount and amount[1] in FX_CODES:
        to = target or ("KRW" if amount[1] != "KRW" else "USD")
        if to != amount[1]:
            return [(amount[1], to)]
    if target and found.companies:
        # Coins need no fx step: the crypto connector quotes them in the target currency.
        sources = {c.currency for c in found.companies}
        return [(s, target) for s in sorted(sources) if s != target]

    if not wants_fx:
        if [c for c in found.currencies if c != "KRW"] and not (found.companies or found.coins or found.places):
            # "How is the yen doing?": a currency alone most likely asks for its rate.
            unresolved.append("a currency named without a rate word: assumed its exchange rate")
        else:
            return []
    # Currencies named around a crypto or stock question are its quote currency, not an fx ask.
    if (found.companies or found.coins) and not _any(text, lowered, ("환율", "exchange rate", "환전")):
        return []
    foreign = [c for c in found.currencies if c != "KRW"]
    if len(foreign) >= 2:
        return [(foreign[0], foreign[1])]
    if len(foreign) == 1:
        if lang == "ko" or "KRW" in found.currencies or bool(_KRW_CONTEXT.search(lowered)):
            return [(foreign[0], "KRW")]
        if foreign[0] != "USD":
            return [("USD", foreign[0])]
        unresolved.append("dollar rate asked without the other currency: showing major ones")
        return [("USD", "EUR,GBP,JPY,KRW")]
    if lang == "ko" and _any(text, lowered, ("환율", "환전")):
        # In Korean, "환율" alone means the won-dollar rate; still worth a confirmation.
        unresolved.append("환율 without a currency: assumed USD/KRW")
        return [("USD", "KRW")]
    if _any(text, lowered, ("exchange rate", "exchange", "fx", "forex", "currency", "환율", "환전")):
        unresolved.append("exchange rate asked without a currency")
    return []


def _dedupe(steps: list[PlanStep]) -> list[PlanStep]:
    seen: set[object] = set()
    out: list[PlanStep] = []
    for step in steps:
        if step.key() not in seen:
            seen.add(step.key())
            out.append(step)
    return out

