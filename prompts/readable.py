"""The figures a person reads under an answer, in the question's language.

The packed context is written for the model (field names, compact tables); the sources block
is written for the reader: words instead of field names (기온, 체감, 미세먼지 보통), digits
grouped (162,876,000원) with 억/조 for large won amounts, the period of every change ("1일",
"6개월", "24h"), the rain and snow days of a forecast, and a figure older than its source's
normal update interval marked as such (a 624-day-old rate is not "the rate").

Connectors this module does not know (plugins) keep the generic "field value" rendering.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from connectors.records import Observation, Record, Series
from prompts.facts import Fact, is_number
from prompts.formatting import fmt_number, korean_amount

Lang = str  # "ko" or "en"

_WORDS: dict[str, tuple[str, str]] = {  # field -> (English, Korean)
    "temperature": ("temperature", "기온"),
    "apparent_temperature": ("feels like", "체감"),
    "relative_humidity": ("humidity", "습도"),
    "wind_speed": ("wind", "바람"),
    "precipitation": ("precipitation", "강수량"),
    "precipitation_sum": ("precipitation", "강수량"),
    "precipitation_probability": ("chance of rain", "강수확률"),
    "precipitation_probability_max": ("chance of rain", "강수확률"),
    "temperature_max": ("high", "최고 기온"),
    "temperature_min": ("low", "최저 기온"),
    "pm10": ("PM10", "미세먼지"),
    "pm2_5": ("PM2.5", "초미세먼지"),
    "us_aqi": ("US AQI", "미국 AQI"),
    "price": ("price", "가격"),
    "previous_close": ("previous close", "전일 종가"),
    "close": ("close", "종가"),
    "rate": ("rate", "환율"),
    "change": ("change", "변동"),
}
_GRADES_KO = {"good": "좋음", "moderate": "보통", "bad": "나쁨", "very bad": "매우나쁨",
              "unhealthy for sensitive groups": "민감군 나쁨", "unhealthy": "나쁨", "very unhealthy": "매우나쁨",
              "hazardous": "위험"}
WMO_KO: dict[str, str] = {
    "clear sky": "맑음", "mainly clear": "대체로 맑음", "partly cloudy": "구름 조금", "overcast": "흐림",
    "fog": "안개", "depositing rime fog": "서리 안개", "light drizzle": "약한 이슬비", "moderate drizzle": "이슬비",
    "dense drizzle": "강한 이슬비", "light freezing drizzle": "약한 어는 이슬비", "dense freezing drizzle": "어는 이슬비",
    "slight rain": "약한 비", "moderate rain": "비", "heavy rain": "강한 비", "light freezing rain": "약한 어는 비",
    "heavy freezing rain": "강한 어는 비", "slight snowfall": "약한 눈", "moderate snowfall": "눈",
    "heavy snowfall": "많은 눈", "snow grains": "싸락눈", "slight rain showers": "약한 소나기",
    "moderate rain showers": "소나기", "violent rain showers": "강한 소나기", "slight snow showers": "약한 눈 소나기",
    "heavy snow showers": "강한 눈 소나기", "thunderstorm": "뇌우", "thunderstorm with slight hail": "뇌우와 약한 우박",
    "thunderstorm with heavy hail": "뇌우와 강한 우박",
}
_RAIN_CODES = frozenset({51, 53, 55, 56, 57, 61, 63, 65, 66, 67, 80, 81, 82, 95, 96, 99})
_SNOW_CODES = frozenset({71, 73, 75, 77, 85, 86})

# How often each kind of reading is normally renewed; older than this (plus slack for
# weekends and holidays where markets close) it is marked as old, not shown as current.
NORMAL_INTERVAL: dict[str, tuple[timedelta, str, str]] = {
    "fx.rate": (timedelta(days=4), "every working day", "영업일마다"),
    "stocks.quote": (timedelta(days=4), "every trading day", "거래일마다"),
    "crypto.quote": (timedelta(hours=1), "continuously", "실시간으로"),
    "weather.current": (timedelta(hours=3), "every 15 minutes", "15분마다"),
    "air.current": (timedelta(hours=6), "hourly", "매시간"),
}


def word(field: str, lang: Lang) -> str:
    en, ko = _WORDS.get(field, (field.replace("_", " "), field.replace("_", " ")))
    return ko if lang == "ko" else en


def grouped(text: str) -> str:
    """'162876000' → '162,876,000'; '-1453.64' → '-1,453.64' (already rounded text in)."""
    sign = "-" if text.startswith("-") else ""
    whole, dot, frac = text.lstrip("-").partition(".")
    if not whole.isdigit():
        return text
    return f"{sign}{int(whole):,}{dot}{frac}"


def number(value: float, field: str, unit: str, currency: str = "") -> str:
    """Rounded by meaning (the packer's rules), then grouped; never '-0'."""
    return grouped(fmt_number(value, field, unit, currency=currency))


def money(value: float, currency: str, lang: Lang, field: str = "price") -> str:
    """'162,876,000원 (1억 6,288만 원)' in Korean, '162,876,000 KRW' in English."""
    text = number(value, field, currency, currency)
    if lang == "ko" and currency == "KRW":
        big = f" ({korean_amount(value)}원)" if abs(value) >= 1e8 else ""
        return f"{text}원{big}"
    return f"{text} {currency}".strip()


def signed(text: str) -> str:
    return text if text.startswith("-") or text in ("0", "0%") else f"+{text}"


def period(first: datetime, last: datetime, lang: Lang) -> str:
    """What a change spans: '1일', '6개월', '2d', '6 months'."""
    days = round((last - first).total_seconds() / 86400)
    if days >= 330:
        years = round(days / 365)
        return f"{years}년" if lang == "ko" else f"{years} year{'s' * (years > 1)}"
    if days >= 28:
        months = round(days / 30.44)
        return f"{months}개월" if lang == "ko" else f"{months} month{'s' * (months > 1)}"
    if days >= 1:
        return f"{days}일" if lang == "ko" else f"{days}d"
    hours = max(1, round((last - first).total_seconds() / 3600))
    return f"{hours}시간" if lang == "ko" else f"{hours}h"


def overdue(rec: Record, now: datetime, lang: Lang) -> str:
    """' — 오래된 값 (624일 전; 보통 영업일마다 갱신)' when a current reading is far older than
    its source renews it; '' otherwise (and for a day the user asked for on purpose)."""
    rule = NORMAL_INTERVAL.get(rec.kind)
    if rule is None or rec.values().get("requested_date"):
        return ""
    age = rec.age_seconds(now)
    if age <= rule[0].total_seconds():
        return ""
    days = round(age / 86400)
    if lang == "ko":
        old = f"{days}일 전" if days >= 1 else f"{round(age / 3600)}시간 전"
        return f" — 오래된 값 ({old}; 보통 {rule[2]} 갱신)"
    old = f"{days} days old" if days >= 1 else f"{round(age / 3600)} h old"
    return f" — OLD ({old}; this source normally updates {rule[1]})"


def headline(rec: Record, facts: Sequence[Fact], lang: Lang, zone: tzinfo, now: datetime) -> str:
    """The main figures of one record, in words; '' when it has none worth a line."""
    render = _RENDERERS.get(rec.kind)
    text = render(rec, facts, lang, zone) if render else ""
    return text + overdue(rec, now, lang) if text else ""


def _condition(text: object, lang: Lang) -> str:
    return WMO_KO.get(str(text), str(text)) if lang == "ko" else str(text)


def _weather_current(rec: Record, facts: Sequence[Fact], lang: Lang, zone: tzinfo) -> str:
    v = rec.values()
    parts: list[str] = []
    if v.get("condition"):
        parts.append(_condition(v["condition"], lang))
    parts.append(_figure(rec, "temperature", v.get("temperature"), lang))
    if is_number(v.get("apparent_temperature")):
        parts[-1] += f" ({_figure(rec, 'apparent_temperature', v['apparent_temperature'], lang)})"
    return ", ".join(p for p in parts if p)


def _figure(rec: Record, field: str, value: object, lang: Lang) -> str:
    if not is_number(value):
        return ""
    unit = rec.units.get(field, "")
    sep = "" if unit.startswith("°") or unit == "%" else " "
    return f"{word(field, lang)} {number(float(value), field, unit)}{sep}{unit}".rstrip()  # type: ignore[arg-type]


def _range(rec: Series, field: str, lang: Lang) -> str:
    pts = rec.column(field)
    if not pts:
        return ""
    unit = rec.units.get(field, "")
    lo, hi = min(v for _, v in pts), max(v for _, v in pts)
    sep = "" if unit.startswith("°") or unit == "%" else " "
    if lo == hi:
        return f"{word(field, lang)} {number(lo, field, unit)}{sep}{unit}"
    return f"{word(field, lang)} {number(lo, field, unit)}~{number(hi, field, unit)}{sep}{unit}"


def _weather_series(rec: Record, facts: Sequence[Fact], lang: Lang, zone: tzinfo) -> str:
    assert isinstance(rec, Series)
    daily = rec.kind == "weather.daily"
    fields = ("temperature_max", "temperature_min", "precipitation_probability_max") if daily else (
        "temperature", "precipitation_probability")
    parts = [p for p in (_range(rec, f, lang) for f in fields) if p]
    wet = _wet_days(rec, zone, lang, daily)
    if wet:
        parts.append(wet)
    if rec.points:
        first, last = rec.points[0].time.astimezone(zone), rec.points[-1].time.astimezone(zone)
        span = (f"{first:%m-%d}~{last:%m-%d}" if first.date() != last.date() else f"{first:%m-%d}") if daily else \
            f"{first:%m-%d %H:%M}~{last:%H:%M}"
        parts.insert(0, span)
    return ", ".join(parts)


def _wet_days(rec: Series, zone: tzinfo, lang: Lang, daily: bool) -> str:
    """Rain and snow, by day (daily) or by hour: a week's forecast keeps its wet days."""
    rain: list[str] = []
    snow: list[str] = []
    for p in rec.points:
        code = p.values.get("weather_code")
        amount = p.values.get("precipitation_sum", p.values.get("precipitation"))
        when = p.time.astimezone(zone).strftime("%m-%d" if daily else "%H:%M")
        if isinstance(code, (int, float)) and int(code) in _SNOW_CODES:
            snow.append(when)
        elif (isinstance(code, (int, float)) and int(code) in _RAIN_CODES) or (is_number(amount) and float(amount) >= 1.0):  # type: ignore[arg-type]
            mm = f"({number(float(amount), 'precipitation', 'mm')}mm)" if is_number(amount) and float(amount) > 0 else ""  # type: ignore[arg-type]
            rain.append(when + mm)
    parts = []
    if rain:
        parts.append(("비: " if lang == "ko" else "rain: ") + " ".join(rain))
    if snow:
        parts.append(("눈: " if lang == "ko" else "snow: ") + " ".join(snow))
    if not parts and rec.points:
        return "비·눈 없음" if lang == "ko" else "no rain or snow"
    return "; ".join(parts)


def _air(rec: Record, facts: Sequence[Fact], lang: Lang, zone: tzinfo) -> str:
    v = rec.values()
    parts = []
    for field, grade in (("pm10", "pm10_grade_kr"), ("pm2_5", "pm2_5_grade_kr")):
        if is_number(v.get(field)):
            label = str(v.get(grade) or "")
            label = _GRADES_KO.get(label, label) if lang == "ko" else label
            name = word(field, lang) + (f"({'PM10' if field == 'pm10' else 'PM2.5'})" if lang == "ko" else "")
            parts.append(f"{name} {number(float(v[field]), field, '')} µg/m³ {label}".strip())  # type: ignore[arg-type]
    if is_number(v.get("us_aqi")):
        cat = str(v.get("us_aqi_category") or "")
        cat = _GRADES_KO.get(cat, cat) if lang == "ko" else cat
        parts.append(f"{word('us_aqi', lang)} {number(float(v['us_aqi']), 'us_aqi', '')} {cat}".strip())  # type: ignore[arg-type]
    return ", ".join(parts)


def _fx(rec: Record, facts: Sequence[Fact], lang: Lang, zone: tzinfo) -> str:
    v = rec.values()
    base, quote = str(v.get("base") or ""), str(v.get("quote") or "")
    amount = float(v["amount"]) if is_number(v.get("amount")) else 1.0  # type: ignore[arg-type]
    if isinstance(rec, Series):
        pts = rec.column("rate")
        if not pts:
            return ""
        text = f"{amount:g} {base} = {number(pts[-1][1], 'rate', '')} {quote} ({pts[-1][0]:%Y-%m-%d})"
        return text + _series_change(rec, facts, "rate", lang)
    day = f" ({v['date']})" if v.get("date") else ""
    return f"{amount:g} {base} = {number(float(v['rate']), 'rate', '')} {quote}{day}"  # type: ignore[arg-type]


def _series_change(rec: Series, facts: Sequence[Fact], field: str, lang: Lang) -> str:
    pct = next((f for f in facts if f.field == field and f.name == "change_pct" and f.number is not None), None)
    if pct is None or len(rec.points) < 2:
        return ""
    span = period(rec.points[0].time, rec.points[-1].time, lang)
    change = signed(number(pct.number or 0.0, "pct", "%")) + "%"
    return f", {span} 변동 {change}" if lang == "ko" else f", {change} over {span}"


def _quote(rec: Record, facts: Sequence[Fact], lang: Lang, zone: tzinfo) -> str:
    v = rec.values()
    currency = str(v.get("currency") or rec.units.get("price") or "")
    if not is_number(v.get("price")):
        return ""
    parts = [f"{word('price', lang)} {money(float(v['price']), currency, lang)}"]  # type: ignore[arg-type]
    pct = next((f.number for f in facts if f.name == "change_pct" and f.number is not None), None)
    if pct is None and is_number(v.get("change_pct")):
        pct = float(v["change_pct"])  # type: ignore[arg-type]  # the source's own (CoinGecko: 24 h)
    if pct is not None:
        change = signed(number(pct, "pct", "%")) + "%"
        basis = str(v.get("change_basis") or "")
        span = ("24시간" if lang == "ko" else "24h") if "24 hours" in basis else ("1일" if lang == "ko" else "1d")
        parts.append(f"{span} 변동 {change}" if lang == "ko" else f"{change} over {span}")
    return ", ".join(parts)


def _history(rec: Record, facts: Sequence[Fact], lang: Lang, zone: tzinfo) -> str:
    assert isinstance(rec, Series)
    field = "close" if rec.column("close") else "price"
    pts = rec.column(field)
    if not pts:
        return ""
    currency = str(rec.values().get("currency") or rec.units.get(field) or "")
    last = f"{word(field, lang)} {money(pts[-1][1], currency, lang, field)} ({pts[-1][0].astimezone(zone):%Y-%m-%d})"
    return last + _series_change(rec, facts, field, lang)


_RENDERERS = {
    "weather.current": _weather_current,
    "weather.hourly": _weather_series,
    "weather.daily": _weather_series,
    "air.current": _air,
    "fx.rate": _fx,
    "fx.series": _fx,
    "crypto.quote": _quote,
    "stocks.quote": _quote,
    "crypto.daily": _history,
    "stocks.daily": _history,
}


def is_known(rec: Record) -> bool:
    return rec.kind in _RENDERERS and isinstance(rec, (Observation, Series))
