"""Records built from the real recorded payloads in ``fixtures/`` (see SOURCES.md there).

The record classes mirror the connectors' shapes (field names, units, subject, as_of in the
source's own zone) but live here, so these tests pin the packer's behaviour on real data
without depending on every connector's transform being finished. Each builder returns the
records one ``briefbot fetch`` would, plus the raw payload it read (for the token bench).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from connectors.records import Observation, Record, Series, SeriesPoint

FIXTURES = Path(__file__).parent / "fixtures"
KST = ZoneInfo("Asia/Seoul")
FETCHED = datetime(2026, 1, 1, tzinfo=timezone.utc)  # replaced per question by the test's clock


class WeatherCurrent(Observation):
    temperature: float
    apparent_temperature: float | None = None
    relative_humidity: float | None = None
    precipitation: float | None = None
    cloud_cover: float | None = None
    wind_speed: float | None = None
    wind_direction: float | None = None
    weather_code: int
    condition: str


class WeatherSeries(Series):
    timezone: str


class AirCurrent(Observation):
    pm10: float
    pm2_5: float
    us_aqi: float | None = None
    european_aqi: float | None = None
    pm10_grade_kr: str
    pm2_5_grade_kr: str


class FxRate(Observation):
    base: str
    quote: str
    amount: float
    rate: float
    date: str


class Quote(Observation):
    symbol: str
    currency: str
    price: float
    previous_close: float | None = None
    day_high: float | None = None
    day_low: float | None = None
    volume_24h: float | None = None
    high_52w: float | None = None
    low_52w: float | None = None
    change_pct_24h: float | None = None
    name: str | None = None


class PriceSeries(Series):
    symbol: str
    currency: str


WMO = {0: "clear sky", 1: "mainly clear", 2: "partly cloudy", 3: "overcast", 45: "fog", 51: "light drizzle", 65: "heavy rain"}


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _prov(connector: str, kind: str, subject: str, source: str, url: str, fetched_at: datetime) -> dict[str, Any]:
    return {"connector": connector, "kind": kind, "subject": subject, "source": source, "source_url": url, "fetched_at": fetched_at}


def _grade(v: float, bounds: tuple[tuple[float, str], ...]) -> str:
    return next(label for upper, label in bounds if v <= upper)


# --- builders: name -> (records, raw payloads) ----------------------------------------------


def weather_newyork(fetched_at: datetime) -> list[Record]:
    p = load("forecast_current_hourly_newyork.json")
    tz = ZoneInfo(p["timezone"])
    cur = p["current"]
    prov = dict(subject="New York, United States", source="Open-Meteo", url="https://api.open-meteo.com/v1/forecast?latitude=40.8337&longitude=-73.1758")
    units = {"temperature": "°C", "apparent_temperature": "°C", "relative_humidity": "%", "precipitation": "mm",
             "cloud_cover": "%", "wind_speed": "km/h", "wind_direction": "°"}
    current = WeatherCurrent(
        **_prov("weather", "weather.current", prov["subject"], prov["source"], prov["url"], fetched_at),
        as_of=datetime.fromisoformat(cur["time"]).replace(tzinfo=tz), units=units,
        temperature=cur["temperature_2m"], apparent_temperature=cur["apparent_temperature"],
        relative_humidity=cur["relative_humidity_2m"], precipitation=cur["precipitation"], cloud_cover=cur["cloud_cover"],
        wind_speed=cur["wind_speed_10m"], wind_direction=cur["wind_direction_10m"], weather_code=cur["weather_code"],
        condition=WMO[cur["weather_code"]],
    )
    h = p["hourly"]
    points = [
        SeriesPoint(time=datetime.fromisoformat(t).replace(tzinfo=tz),
                    values={"temperature": h["temperature_2m"][i], "precipitation_probability": h["precipitation_probability"][i],
                            "weather_code": h["weather_code"][i], "condition": WMO.get(h["weather_code"][i], "")})
        for i, t in enumerate(h["time"])
    ]
    hourly = WeatherSeries(
        **_prov("weather", "weather.hourly", prov["subject"], prov["source"], prov["url"], fetched_at),
        as_of=current.as_of, units={"temperature": "°C", "precipitation_probability": "%"}, timezone=p["timezone"], points=points,
    )
    return [current, hourly]


def weather_lisbon(fetched_at: datetime) -> list[Record]:
    p = load("forecast_current_daily_unixtime_lisbon.json")
    tz = ZoneInfo(p["timezone"])
    cur = p["current"]
    subject, url = "Lisbon, Portugal", "https://api.open-meteo.com/v1/forecast?latitude=38.72&longitude=-9.13"
    current = WeatherCurrent(
        **_prov("weather", "weather.current", subject, "Open-Meteo", url, fetched_at),
        as_of=datetime.fromtimestamp(cur["time"], tz), units={"temperature": "°C", "relative_humidity": "%", "wind_speed": "km/h", "wind_direction": "°"},
        temperature=cur["temperature_2m"], relative_humidity=cur["relative_humidity_2m"], wind_speed=cur["wind_speed_10m"],
        wind_direction=cur["wind_direction_10m"], weather_code=cur["weather_code"], condition=WMO[cur["weather_code"]],
    )
    d = p["daily"]
    points = [
        SeriesPoint(time=datetime.fromtimestamp(t, tz),
                    values={"temperature_max": d["temperature_2m_max"][i], "temperature_min": d["temperature_2m_min"][i],
                            "precipitation_probability_max": d["precipitation_probability_max"][i],
                            "condition": WMO.get(d["weather_code"][i], str(d["weather_code"][i]))})
        for i, t in enumerate(d["time"])
    ]
    daily = WeatherSeries(
        **_prov("weather", "weather.daily", subject, "Open-Meteo", url, fetched_at), as_of=current.as_of,
        units={"temperature_max": "°C", "temperature_min": "°C", "precipitation_probability_max": "%"}, timezone=p["timezone"], points=points,
    )
    return [current, daily]


def air_enschede(fetched_at: datetime) -> list[Record]:
    p = load("air_quality_current_hourly_trimmed.json")
    tz = ZoneInfo(p["timezone"])
    cur = p["current"]
    pm10_b = ((30, "good"), (80, "moderate"), (150, "bad"), (float("inf"), "very bad"))
    pm25_b = ((15, "good"), (35, "moderate"), (75, "bad"), (float("inf"), "very bad"))
    return [AirCurrent(
        **_prov("air", "air.current", "Enschede, Netherlands", "Open-Meteo Air Quality",
                "https://air-quality-api.open-meteo.com/v1/air-quality?latitude=52.3&longitude=6.9", fetched_at),
        as_of=datetime.fromisoformat(cur["time"]).replace(tzinfo=tz),
        units={"pm10": "μg/m³", "pm2_5": "μg/m³", "us_aqi": "USAQI", "european_aqi": "EAQI"},
        pm10=cur["pm10"], pm2_5=cur["pm2_5"], us_aqi=cur["us_aqi"], european_aqi=cur["european_aqi"],
        pm10_grade_kr=_grade(cur["pm10"], pm10_b), pm2_5_grade_kr=_grade(cur["pm2_5"], pm25_b),
    )]


def _ecb_time(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=16, tzinfo=ZoneInfo("Europe/Berlin"))


def fx_rates(base: str, quotes: list[str]) -> Callable[[datetime], list[Record]]:
    """Rates from the EUR-based ECB table, rebased as Frankfurter does server-side (quote/base)."""

    def build(fetched_at: datetime) -> list[Record]:
        p = load("v1_latest_eur_all.json")
        table = {"EUR": 1.0, **p["rates"]}
        out: list[Record] = []
        for q in quotes:
            rate = table[q] / table[base]
            out.append(FxRate(
                **_prov("fx", "fx.rate", f"{base}/{q}", "Frankfurter (ECB)", f"https://api.frankfurter.dev/v1/latest?base={base}&symbols={q}", fetched_at),
                as_of=_ecb_time(p["date"]), units={"rate": f"{q} per 1 {base}"},
                base=base, quote=q, amount=1.0, rate=round(rate, 5 if rate < 10 else 2), date=p["date"],
            ))
        return out

    return build


def fx_usd_eur(fetched_at: datetime) -> list[Record]:
    p = load("v1_latest_base_usd_symbols_eur_captured_2026-07-30.json")
    return [FxRate(
        **_prov("fx", "fx.rate", "USD/EUR", "Frankfurter (ECB)", "https://api.frankfurter.dev/v1/latest?base=USD&symbols=EUR", fetched_at),
        as_of=_ecb_time(p["date"]), units={"rate": "EUR per 1 USD"}, base="USD", quote="EUR", amount=1.0,
        rate=p["rates"]["EUR"], date=p["date"],
    )]


def upbit_ticker(market: str) -> Callable[[datetime], list[Record]]:
    def build(fetched_at: datetime) -> list[Record]:
        t = next(x for x in load("ticker_krw_btc_eth.json") if x["market"] == market)
        return [Quote(
            **_prov("crypto", "crypto.quote", market, "Upbit", f"https://api.upbit.com/v1/ticker?markets={market}", fetched_at),
            as_of=datetime.fromtimestamp(t["trade_timestamp"] / 1000, KST),
            units={"price": "KRW", "previous_close": "KRW", "day_high": "KRW", "day_low": "KRW", "volume_24h": market.split("-")[1]},
            symbol=market, currency="KRW", price=t["trade_price"], previous_close=t["prev_closing_price"],
            day_high=t["high_price"], day_low=t["low_price"], volume_24h=t["acc_trade_volume_24h"],
            high_52w=t["highest_52_week_price"], low_52w=t["lowest_52_week_price"],
        )]

    return build


def upbit_candles(fetched_at: datetime) -> list[Record]:
    rows = sorted(load("candles_days_krw_btc_count2.json"), key=lambda r: r["candle_date_time_kst"])
    points = [SeriesPoint(time=datetime.fromisoformat(r["candle_date_time_kst"]).replace(tzinfo=KST),
                          values={"open": r["opening_price"], "high": r["high_price"], "low": r["low_price"], "close": r["trade_price"]})
              for r in rows]
    return [PriceSeries(
        **_prov("crypto", "crypto.candles", "KRW-BTC", "Upbit", "https://api.upbit.com/v1/candles/days?market=KRW-BTC&count=2", fetched_at),
        as_of=points[-1].time, units={"open": "KRW", "high": "KRW", "low": "KRW", "close": "KRW"},
        symbol="KRW-BTC", currency="KRW", points=points,
    )]


def coingecko_simple(coin: str) -> Callable[[datetime], list[Record]]:
    def build(fetched_at: datetime) -> list[Record]:
        c = load("simple_price_btc_eth_include_all.json")[coin]
        return [Quote(
            **_prov("crypto", "crypto.quote", f"{coin} (USD)", "CoinGecko", f"https://api.coingecko.com/api/v3/simple/price?ids={coin}&vs_currencies=usd", fetched_at),
            as_of=datetime.fromtimestamp(c["last_updated_at"], timezone.utc),
            units={"price": "USD", "volume_24h": "USD", "change_pct_24h": "%"}, symbol=coin, currency="USD", price=c["usd"], volume_24h=c["usd_24h_vol"],
            change_pct_24h=c["usd_24h_change"],
        )]

    return build


def coingecko_chart(fetched_at: datetime) -> list[Record]:
    p = load("market_chart_bitcoin_usd_days1_trimmed_pycoingecko.json")
    points = [SeriesPoint(time=datetime.fromtimestamp(ms / 1000, timezone.utc), values={"price": v}) for ms, v in p["prices"]]
    return [PriceSeries(
        **_prov("crypto", "crypto.chart", "bitcoin (USD)", "CoinGecko", "https://api.coingecko.com/api/v3/coins/bitcoin/market_chart?vs_currency=usd&days=1", fetched_at),
        as_of=points[-1].time, units={"price": "USD"}, symbol="bitcoin", currency="USD", points=points,
    )]


def yahoo_chart(name: str) -> Callable[[datetime], list[Record]]:
    def build(fetched_at: datetime) -> list[Record]:
        r = load(name)["chart"]["result"][0]
        meta = r["meta"]
        tz = ZoneInfo(meta["exchangeTimezoneName"])
        closes = r["indicators"]["quote"][0]["close"]
        times = r["timestamp"]
        cur = meta["currency"]
        url = f"https://query1.finance.yahoo.com/v8/finance/chart/{meta['symbol']}?range={meta['range']}&interval=1d"
        points = [SeriesPoint(time=datetime.fromtimestamp(t, tz), values={"close": round(c, 4)}) for t, c in zip(times, closes) if c is not None]
        quote = Quote(
            **_prov("stocks", "stocks.quote", meta["symbol"], "Yahoo Finance", url, fetched_at),
            as_of=datetime.fromtimestamp(meta["regularMarketTime"], tz), units={"price": cur, "previous_close": cur, "day_high": cur, "day_low": cur},
            symbol=meta["symbol"], currency=cur, price=meta["regularMarketPrice"], previous_close=round(closes[-2], 4),
            day_high=meta.get("regularMarketDayHigh"), day_low=meta.get("regularMarketDayLow"),
            high_52w=meta.get("fiftyTwoWeekHigh"), low_52w=meta.get("fiftyTwoWeekLow"), name=meta.get("longName"),
            note="best-effort source (Yahoo's keyless chart endpoint)",
        )
        history = PriceSeries(
            **_prov("stocks", "stocks.history", meta["symbol"], "Yahoo Finance", url, fetched_at),
            as_of=points[-1].time, units={"close": cur}, symbol=meta["symbol"], currency=cur, points=points,
        )
        return [quote, history]

    return build


def yahoo_samsung(fetched_at: datetime) -> list[Record]:
    meta = load("chart_meta_005930.KS_2023-09-01_extract.json")["meta"]
    return [Quote(
        **_prov("stocks", "stocks.quote", "005930.KS", "Yahoo Finance", "https://query1.finance.yahoo.com/v8/finance/chart/005930.KS", fetched_at),
        as_of=datetime.fromtimestamp(meta["regularMarketTime"], KST), units={"price": "KRW", "previous_close": "KRW"},
        symbol="005930.KS", currency="KRW", price=meta["regularMarketPrice"], previous_close=meta["previousClose"],
        name="Samsung Electronics",
    )]


BUILDERS: dict[str, Callable[[datetime], list[Record]]] = {
    "weather_newyork": weather_newyork,
    "weather_lisbon": weather_lisbon,
    "air_enschede": air_enschede,
    "fx_usd_krw": fx_rates("USD", ["KRW"]),
    "fx_eur_krw": fx_rates("EUR", ["KRW"]),
    "fx_jpy_krw": fx_rates("JPY", ["KRW"]),
    "fx_eur_jpy": fx_rates("EUR", ["JPY"]),
    "fx_krw_usd": fx_rates("KRW", ["USD"]),
    "fx_usd_majors": fx_rates("USD", ["EUR", "GBP", "JPY", "KRW"]),
    "fx_usd_jpy": fx_rates("USD", ["JPY"]),
    "fx_usd_eur": fx_usd_eur,
    "upbit_btc": upbit_ticker("KRW-BTC"),
    "upbit_eth": upbit_ticker("KRW-ETH"),
    "upbit_btc_candles": upbit_candles,
    "coingecko_btc": coingecko_simple("bitcoin"),
    "coingecko_eth": coingecko_simple("ethereum"),
    "coingecko_btc_chart": coingecko_chart,
    "yahoo_aapl": yahoo_chart("chart_AAPL_range6mo_interval1d_2025-10-29.json"),
    "yahoo_gs2c": yahoo_chart("chart_GS2C.DE_range5d_interval1d_2025-10-29.json"),
    "yahoo_samsung": yahoo_samsung,
}

# The raw payload file(s) each builder reads, for the bench's "raw API payload" baseline.
RAW_FILES: dict[str, list[str]] = {
    "weather_newyork": ["forecast_current_hourly_newyork.json"],
    "weather_lisbon": ["forecast_current_daily_unixtime_lisbon.json"],
    "air_enschede": ["air_quality_current_hourly_trimmed.json"],
    "fx_usd_eur": ["v1_latest_base_usd_symbols_eur_captured_2026-07-30.json"],
    "upbit_btc": ["ticker_krw_btc_eth.json"],
    "upbit_eth": ["ticker_krw_btc_eth.json"],
    "upbit_btc_candles": ["candles_days_krw_btc_count2.json"],
    "coingecko_btc": ["simple_price_btc_eth_include_all.json"],
    "coingecko_eth": ["simple_price_btc_eth_include_all.json"],
    "coingecko_btc_chart": ["market_chart_bitcoin_usd_days1_trimmed_pycoingecko.json"],
    "yahoo_aapl": ["chart_AAPL_range6mo_interval1d_2025-10-29.json"],
    "yahoo_gs2c": ["chart_GS2C.DE_range5d_interval1d_2025-10-29.json"],
    "yahoo_samsung": ["chart_meta_005930.KS_2023-09-01_extract.json"],
}
for _name in BUILDERS:
    RAW_FILES.setdefault(_name, ["v1_latest_eur_all.json"])


def raw_payload_json(builder: str) -> str:
    """The builder's raw payload(s) as compact JSON, the baseline a naive bot would send."""
    return "".join(json.dumps(load(f), ensure_ascii=False, separators=(",", ":")) for f in RAW_FILES[builder])


def later(dt: datetime, minutes: int) -> datetime:
    return dt + timedelta(minutes=minutes)
