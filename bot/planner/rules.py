"""Deterministic rules planner: English and Korean questions → :class:`Plan`.

Rules cover the obvious questions (a named place and a weather word, a company and a price
word, a currency pair) without a model call, so the embedded model and the cheap path work.
When something the question needs is missing or ambiguous the plan says so
(``confident=False``, ``unresolved``), and a backend with tools may ask the model instead.

Word matching is :mod:`bot.planner.matching`; places outside the lexicon are found by
:mod:`bot.planner.places` and resolved by the connectors' geocoder; dates and periods come from
:mod:`bot.planner.dates` and :mod:`bot.planner.periods`; amounts from :mod:`bot.planner.amounts`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from prompts.lexicon import (
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
from bot.planner.amounts import find_amount, find_target
from bot.planner.declared import declared_steps, installed_plugins
from bot.planner.dates import DateAsk, find_dates
from bot.planner.matching import any_word, find_word
from bot.planner.periods import WEEK_SCALE_DAYS, forecast_days, history_bars, horizon_days
from bot.planner.places import english_place_phrase, korean_place_phrase
from connectors.base import Connector
from bot.planner.plan import Lang, Plan, PlanStep

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
# The zone "today" is read in when none is configured: Korean questions come from Korea.
DEFAULT_ZONES: dict[str, str] = {"ko": "Asia/Seoul", "en": "UTC"}


def detect_language(text: str) -> Lang:
    """'ko' when Hangul makes up a real share of the letters (tickers do not tip it)."""
    hangul = len(_HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    return "ko" if hangul and hangul * 3 >= latin else "en"


_find = find_word
_any = any_word


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
    stock_context = _any(text, lowered, ("stock", "stocks", "share", "shares", "ticker", "주가", "주식", "종가"))
    # A bare six-digit number is a KRX code only in a stock question ("my order 123456" is not).
    quote_context = stock_context or _any(text, lowered, ("price", "quote", "시세", "종목", "얼마"))
    for m in _KR_CODE.finditer(text):
        if m.group(2) or quote_context:
            companies.append((m.start(), Company(f"{m.group(1)}.{(m.group(2) or 'KS').upper()}", "KRW", "Asia/Seoul")))
    for m in _DOLLAR_TICKER.finditer(text):
        sym = m.group(1).upper()
        if sym not in FX_CODES and sym not in COIN_TICKERS:
            companies.append((m.start(), Company(sym, "USD", "America/New_York")))
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


def question_today(now: datetime, lang: Lang, zone: str | None = None) -> date:
    """The question's own date: ``now`` in the user's zone (Seoul for Korean, unless set)."""
    return now.astimezone(ZoneInfo(zone or DEFAULT_ZONES[lang])).date()


def plan_question(
    question: str,
    *,
    now: datetime | None = None,
    zone: str | None = None,
    plugins: Sequence[type[Connector[Any]]] | None = None,
) -> Plan:
    """Map a question to the connector calls that answer it (no network, no model).

    ``zone`` is the user's IANA time zone: "yesterday" and "다음주" are read in it.
    ``plugins`` are third-party connectors, planned by their declared keywords (default: the
    installed ones)."""
    text = question.strip()
    lowered = text.lower()
    lang = detect_language(text)
    now = now or datetime.now(timezone.utc)
    today = question_today(now, lang, zone)
    found = _scan(text)
    topics = frozenset(t for t, words in TOPICS.items() if _any(text, lowered, words))
    steps: list[PlanStep] = []
    unresolved: list[str] = []

    wants_weather = _any(text, lowered, WEATHER_WORDS)
    wants_air = _any(text, lowered, AIR_WORDS)
    wants_fx = _any(text, lowered, FX_WORDS)
    wants_price = _any(text, lowered, PRICE_WORDS)
    krw_context = bool(_KRW_CONTEXT.search(lowered))
    amount = find_amount(text)
    target = find_target(text, amount)
    finance_named = bool(found.companies or found.coins)
    asked = find_dates(text, today)

    # --- weather / air -------------------------------------------------------------------
    if (wants_weather or wants_air) and not found.places:
        phrase = korean_place_phrase(text) if lang == "ko" else english_place_phrase(text)
        if phrase:  # the geocoder resolves it, or says there is no such place
            found.places.append(Place(phrase, "", ""))
    place_only = found.places and not (wants_weather or wants_air or finance_named or wants_fx)
    if wants_weather or place_only:
        if not found.places:
            unresolved.append("weather asked but no place named")
        for place in found.places:
            params = {"place": place.name, **_weather_days(text, lowered, asked, today), **_units(lowered)}
            why = "weather words" if wants_weather else "a place named without a topic"
            steps.append(PlanStep("weather", params, f"{why}: {place.name}"))
        if place_only:
            unresolved.append("a place without a topic: assumed weather")
    if wants_air:
        if not found.places:
            unresolved.append("air quality asked but no place named")
        for place in found.places:
            steps.append(PlanStep("air", {"place": place.name}, f"air-quality words: {place.name}"))

    # History only when the question names a period or a trend (else the quote alone).
    finance_horizon = horizon_days(text, lowered, trend_words=TOPICS["trend"])
    if asked is not None and asked.start < today:
        finance_horizon = (today - asked.start).days + 1  # bars back to the day asked

    # --- stocks --------------------------------------------------------------------------
    for company in found.companies:
        steps.append(PlanStep("stocks", {"symbol": company.symbol, "days": history_bars("stocks", finance_horizon)},
                              f"company or ticker: {company.symbol}"))

    # --- crypto --------------------------------------------------------------------------
    usd_context = any(c != "KRW" for c in found.currencies) and not krw_context
    for gecko_id, ticker in found.coins:
        coin_days = history_bars("crypto", finance_horizon)
        if (lang == "ko" and not usd_context) or krw_context:
            steps.append(PlanStep("crypto", {"market": f"KRW-{ticker}", "days": coin_days}, f"coin {ticker} in KRW (Upbit)"))
        else:
            vs = next((c for c in found.currencies if c != "KRW"), "USD").lower()
            steps.append(PlanStep("crypto", {"coin": gecko_id, "vs": vs, "days": coin_days},
                                  f"coin {ticker} in {vs.upper()} (CoinGecko)"))

    # --- fx ------------------------------------------------------------------------------
    fx_pairs = _fx_pairs(text, lowered, lang, found, wants_fx, amount, target, unresolved)
    horizon = horizon_days(text, lowered, trend_words=TOPICS["trend"]) if ("trend" in topics or wants_fx) else None
    for base, quote in fx_pairs:
        params = {"base": base, "symbols": quote, **_fx_dates(asked, horizon, today)}
        steps.append(PlanStep("fx", params, f"exchange rate {base}/{quote}"))

    # --- third-party connectors, by what they declare ---------------------------------------
    declared = declared_steps(text, installed_plugins() if plugins is None else plugins)
    steps.extend(declared)

    if wants_price and not (found.companies or found.coins or fx_pairs or declared) and not (wants_weather or wants_air):
        unresolved.append("a price asked but no known company, ticker or coin named")
    if not steps and not unresolved:
        unresolved.append("no known place, company, coin or currency in the question")

    steps = _dedupe(steps)
    topics = topics | ({"convert"} if amount or (target and finance_named) else set())
    if any((s.connector == "fx" and "start" in s.params) or s.params.get("days", "0") != "0"
           for s in steps if s.connector in ("fx", "stocks", "crypto")):
        topics = topics | {"trend"}
    domains = {"weather"} if (wants_weather or wants_air or found.places) else set()
    if wants_price or wants_fx or finance_named or found.currencies or amount:
        domains.add("finance")
    return Plan(steps=steps, confident=bool(steps) and not unresolved, lang=lang, topics=frozenset(topics),
                amount=amount, target=target, unresolved=unresolved, domains=frozenset(domains))


def _weather_days(text: str, lowered: str, asked: DateAsk | None, today: date) -> dict[str, str]:
    """Weather params for the days asked: named days become start=/end= (the connector refuses
    what Open-Meteo cannot serve); "tomorrow", "5일간", "this week" stay a count of days."""
    if asked is not None and not (asked.single and asked.start <= today + timedelta(days=2) and asked.start >= today):
        # Daily figures answer a day or a period; hourly points would only cost tokens.
        return {"start": asked.start.isoformat(), "end": asked.end.isoformat(), "hours": "0"}
    days = forecast_days(text, lowered)
    if asked is not None and asked.start > today:
        days = max(days or 0, (asked.start - today).days + 1)
    params: dict[str, str] = {}
    if days:
        params["days"] = str(days)
    if days and days >= WEEK_SCALE_DAYS:
        params["hours"] = "0"  # a question about the coming days is answered by daily figures
    return params


_IMPERIAL = re.compile(r"°f\b|fahrenheit|화씨|\bmph\b|\bimperial\b")
_METRIC = re.compile(r"°c\b|celsius|섭씨|km/h|\bmetric\b")


def _units(lowered: str) -> dict[str, str]:
    """Units the question asks for; none named leaves BRIEFBOT_UNITS to decide."""
    if _IMPERIAL.search(lowered):
        return {"units": "imperial"}
    if _METRIC.search(lowered):
        return {"units": "metric"}
    return {}


def _fx_dates(asked: DateAsk | None, horizon: int | None, today: date) -> dict[str, str]:
    """A rate on a day, a series over a period, or (neither) the latest rate."""
    if asked is not None and not (asked.single and asked.start == today):
        if asked.single:
            return {"date": asked.start.isoformat()}
        return {"start": asked.start.isoformat(), "end": asked.end.isoformat()}
    if horizon:
        return {"start": (today - timedelta(days=horizon)).isoformat(), "end": today.isoformat()}
    return {}


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

