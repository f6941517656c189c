"""Payloads for the everyday question set: towns no list holds, rates on named days, periods.

Each builder runs the REAL connector with the plan step's own params (as ``payload_records``
does) over bodies in the providers' exact shapes. What is recorded and what is generated:

* forecasts and air quality: the recorded Lisbon forecast and Enschede air-quality answers
  (fixtures/), relabelled to the town's zone (``timezone``, ``utc_offset_seconds``,
  ``timezone_abbreviation``) as Open-Meteo labels an answer for a place there; in °F/mph/inch
  when the request asks (Open-Meteo converts server-side: the values converted the same way);
* geocoding: Open-Meteo's answer shape (the recorded Enschede result's fields) filled with the
  town's public GeoNames facts (id, coordinates, zone, population; Korean names as the API's
  ``language=ko`` answers carry them);
* Frankfurter for a day or a range: GENERATED from the recorded 2025-03-14 EUR table (rebased
  as the server does). A day answers with the working day on or before it, as Frankfurter
  does; a range has one entry per working day, each 0.1% above the day before so a change is
  visible. These values are not real rates of those days: tests only check arithmetic and
  labels against them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.records import Record
from tests.grounding.payload_records import (
    BUILDERS,
    COINGECKO_PRICE,
    UPBIT_TICKER,
    Exchanges,
    Recording,
    Served,
    fetch_records,
    load,
)

ZONES = {  # zone -> (utc offset seconds in January, abbreviation Open-Meteo sends)
    "Asia/Seoul": (32400, "KST"),
    "America/Chicago": (-21600, "CST"),
    "America/Denver": (-25200, "MST"),
    "America/Boise": (-25200, "MST"),
    "Europe/Lisbon": (0, "WET"),
    "Europe/Paris": (3600, "CET"),
    "Atlantic/Reykjavik": (0, "GMT"),
}


@dataclass(frozen=True)
class Town:
    name: str
    latitude: float
    longitude: float
    country_code: str
    country: str
    admin1: str
    zone: str
    geonames_id: int
    population: int


TOWNS: dict[str, Town] = {
    "여수": Town("여수시", 34.76062, 127.66215, "KR", "대한민국", "전라남도", "Asia/Seoul", 1832157, 341476),
    "통영": Town("통영시", 34.85441, 128.43321, "KR", "대한민국", "경상남도", "Asia/Seoul", 1833105, 131717),
    "춘천": Town("춘천시", 37.87472, 127.73417, "KR", "대한민국", "강원도", "Asia/Seoul", 1845136, 264015),
    "목포": Town("목포시", 34.81282, 126.39181, "KR", "대한민국", "전라남도", "Asia/Seoul", 1841066, 236085),
    "전주": Town("전주시", 35.82194, 127.14889, "KR", "대한민국", "전라북도", "Asia/Seoul", 1845457, 711424),
    "안동": Town("안동시", 36.56636, 128.72275, "KR", "대한민국", "경상북도", "Asia/Seoul", 1846986, 167821),
    "포항": Town("포항시", 36.03222, 129.365, "KR", "대한민국", "경상북도", "Asia/Seoul", 1839071, 507193),
    "Austin": Town("Austin", 30.26715, -97.74306, "US", "United States", "Texas", "America/Chicago", 4671654, 961855),
    "Porto": Town("Porto", 41.14961, -8.61099, "PT", "Portugal", "Porto", "Europe/Lisbon", 2735943, 249633),
    "Denver": Town("Denver", 39.73915, -104.9847, "US", "United States", "Colorado", "America/Denver", 5419384, 715522),
    "Boise": Town("Boise", 43.6135, -116.20345, "US", "United States", "Idaho", "America/Boise", 5586437, 235684),
    "Paris": Town("Paris", 48.85341, 2.3488, "FR", "France", "Île-de-France", "Europe/Paris", 2988507, 2138551),
    "Reykjavik": Town("Reykjavík", 64.13548, -21.89541, "IS", "Iceland", "Capital Region", "Atlantic/Reykjavik", 3413829, 118918),
    "Gangneung": Town("Gangneung", 37.75266, 128.87239, "KR", "South Korea", "Gangwon-do", "Asia/Seoul", 1843137, 181000),
}


def geocoding(town: Town) -> Served:
    shape = load("geocoding_enschede.json")["results"][0]
    result = {**shape, "id": town.geonames_id, "name": town.name, "latitude": town.latitude, "longitude": town.longitude,
              "country_code": town.country_code, "country": town.country, "admin1": town.admin1,
              "timezone": town.zone, "population": town.population}
    for key in ("admin1_id", "admin2_id", "admin2", "postcodes", "country_id"):
        result.pop(key, None)
    return [("/v1/search", {"results": [result], "generationtime_ms": 0.6})]


def _relabel(body: dict[str, Any], zone: str) -> dict[str, Any]:
    """The answer as Open-Meteo gives it for a place in ``zone``: daily rows stamped at that
    zone's midnight (unixtime answers count from it), the same readings."""
    offset, abbreviation = ZONES[zone]
    old = body.get("utc_offset_seconds", 0)
    body.update(timezone=zone, utc_offset_seconds=offset, timezone_abbreviation=abbreviation)
    daily = body.get("daily")
    if isinstance(daily, dict) and body.get("daily_units", {}).get("time") == "unixtime":
        daily["time"] = [t + old - offset for t in daily["time"]]
    return body


def _imperial(body: dict[str, Any]) -> dict[str, Any]:
    """Open-Meteo's temperature_unit=fahrenheit etc., applied to the recorded values."""
    for section in ("current", "hourly", "daily"):
        units, values = body.get(f"{section}_units", {}), body.get(section, {})
        for key, unit in list(units.items()):
            convert: Callable[[float], float] | None = None
            if unit == "°C":
                convert, units[key] = (lambda c: round(c * 9 / 5 + 32, 1)), "°F"
            elif unit == "km/h":
                convert, units[key] = (lambda k: round(k / 1.609344, 1)), "mp/h"
            if convert and key in values:
                col = values[key]
                values[key] = [convert(v) for v in col] if isinstance(col, list) else convert(col)
    return body


def forecast(town: Town, query: Mapping[str, str]) -> Served:
    body = _relabel(load("forecast_current_daily_unixtime_lisbon.json"), town.zone)
    if query.get("units") == "imperial":
        body = _imperial(body)
    return [("/v1/forecast", body)]


def air(town: Town) -> Served:
    return [("/v1/air-quality", _relabel(load("air_quality_current_hourly_trimmed.json"), town.zone))]


def _working_day(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _rebased(base: str, quote: str) -> float:
    table = {"EUR": 1.0, **load("v1_latest_eur_all.json")["rates"]}
    rate = table[quote] / table[base]
    return round(rate, 5 if rate < 10 else 2)


def frankfurter(params: Mapping[str, str]) -> Served:
    base, quotes = params["base"], params["symbols"].split(",")
    if "date" in params:
        day = _working_day(date.fromisoformat(params["date"]))
        body = {"amount": 1.0, "base": base, "date": day.isoformat(), "rates": {q: _rebased(base, q) for q in quotes}}
        return [(rf"/v1/{params['date']}", body)]
    start, end = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    rates = {d.isoformat(): {q: round(_rebased(base, q) * (1 + 0.001 * i), 5 if _rebased(base, q) < 10 else 2)
                             for q in quotes} for i, d in enumerate(days)}
    body = {"amount": 1.0, "base": base, "start_date": days[0].isoformat(), "end_date": days[-1].isoformat(), "rates": rates}
    return [(rf"/v1/{params['start']}\.\.{params['end']}", body)]


@dataclass(frozen=True)
class StepRecording:
    """A connector answered by bodies made for the step's own params."""

    connector: str
    served: Callable[[Mapping[str, str]], Served]

    def __call__(self, fetched_at: datetime, step_params: Mapping[str, Any] | None = None,
                 exchanges: Exchanges | None = None) -> list[Record]:
        params = {k: str(v) for k, v in (step_params or {}).items()}
        return fetch_records(self.connector, params, self.served(params), fetched_at, exchanges)


def _connector_fixture(name: str) -> Any:
    return json.loads((Path(__file__).parents[1] / "connectors" / "fixtures" / name).read_text(encoding="utf-8"))


def _town(params: Mapping[str, str]) -> Town:
    place = params["place"]
    return TOWNS.get(place) or TOWNS[re.split(r",", place)[0].strip()]


EVERYDAY_BUILDERS: dict[str, Any] = {
    **BUILDERS,
    "town_weather": StepRecording("weather", lambda p: geocoding(_town(p)) + forecast(_town(p), p)),
    "town_air": StepRecording("air", lambda p: geocoding(_town(p)) + air(_town(p))),
    # Open-Meteo's answer to a name it does not know: HTTP 200 without "results".
    "no_such_town": StepRecording("weather", lambda p: [("/v1/search", {"generationtime_ms": 0.4})]),
    # Days a source cannot serve are refused before the request: nothing is asked of it.
    "town_refused": StepRecording("weather", lambda p: geocoding(_town(p))),
    "fx_refused": StepRecording("fx", lambda p: []),
    "fx_named_days": StepRecording("fx", frankfurter),
    "fx_rebased": StepRecording("fx", lambda p: [("/v1/latest", {
        "amount": 1.0, "base": p["base"], "date": "2025-03-14",
        "rates": {q: _rebased(p["base"], q) for q in p["symbols"].split(",")}})]),
    # Four towns named Springfield (tests/connectors/fixtures: GENERATED from GeoNames figures).
    "springfield_weather": StepRecording("weather", lambda p: [("/v1/search", _connector_fixture(
        "open-meteo/geocoding_springfield_GENERATED.json"))] + forecast(TOWNS["Austin"], p)),
    "upbit": Recording("crypto", UPBIT_TICKER, {}),
    "coingecko": Recording("crypto", COINGECKO_PRICE, {}),
}

