"""``weather``: current conditions and hourly/daily forecast from Open-Meteo (no key).

Units are Open-Meteo's metric defaults (°C, km/h, mm), read back from the payload's own
``*_units`` blocks. Times are in the place's zone. Weather codes are WMO codes, given in
words too. ``current.time``, ``current.temperature_2m`` and ``current.weather_code`` are
required; the other current fields may be absent (the record says None) because Open-Meteo
only sends what each model provides.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from connectors.base import Connector, ConnectorParams
from connectors.errors import InvalidParams
from connectors.geocoding import OPEN_METEO_RATE, Place, resolve_place
from connectors.open_meteo import (
    SOURCE,
    columns,
    current_time,
    describe_wmo,
    open_meteo_payload,
    optional_number,
    section_units,
    zone_of,
)
from connectors.records import Observation, Record, Series, SeriesPoint
from connectors.shape import require_dict, require_number


class PlaceParams(ConnectorParams):
    """Where: a place name, or coordinates. Shared by `weather` and `air`."""

    place: str | None = Field(
        None, min_length=1, max_length=120, description="place name, Korean or English; 'Name, CC' picks a country",
        examples=["서울", "Busan", "Paris, FR"],
    )
    lat: float | None = Field(None, ge=-90, le=90, description="latitude in degrees (with lon=)", examples=[37.566])
    lon: float | None = Field(None, ge=-180, le=180, description="longitude in degrees (with lat=)", examples=[126.9784])

    @model_validator(mode="after")
    def _one_location(self) -> Self:
        has_coords = self.lat is not None or self.lon is not None
        if self.place and has_coords:
            raise ValueError("give either place= or lat= and lon=, not both")
        if not self.place and (self.lat is None or self.lon is None):
            raise ValueError("give place= (e.g. place=서울) or both lat= and lon=")
        return self


# Open-Meteo's forecast API serves 16 days ahead (today included) and 92 days back.
FORECAST_HORIZON_DAYS = 16
PAST_DAYS_LIMIT = 92


class WeatherParams(PlaceParams):
    days: int = Field(3, ge=1, le=FORECAST_HORIZON_DAYS, description="days of daily forecast, today included (1-16)", examples=[3])
    hours: int = Field(24, ge=0, le=168, description="hours of hourly forecast from now (0 = none)", examples=[12])
    start: dt.date | None = Field(
        None, description="first day of daily figures (YYYY-MM-DD; up to 92 days back, 15 ahead)", examples=["2025-03-01"]
    )
    end: dt.date | None = Field(None, description="last day of daily figures (default: start)", examples=["2025-03-07"])
    units: Literal["metric", "imperial"] = Field(
        "metric", description="metric (°C, km/h, mm) or imperial (°F, mph, inch); default: BRIEFBOT_UNITS", examples=["imperial"]
    )

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.end and not self.start:
            raise ValueError("end= needs start=")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"start= ({self.start}) is after end= ({self.end})")
        return self

    def period(self) -> tuple[date, date] | None:
        return (self.start, self.end or self.start) if self.start else None


class WeatherCurrent(Observation):
    kind: Literal["weather.current"] = "weather.current"
    latitude: float
    longitude: float
    timezone: str
    temperature: float
    apparent_temperature: float | None = None
    relative_humidity: float | None = None
    precipitation: float | None = None
    cloud_cover: float | None = None
    wind_speed: float | None = None
    wind_direction: float | None = None
    weather_code: int
    condition: str
    is_day: bool | None = None


class WeatherHourly(Series):
    kind: Literal["weather.hourly"] = "weather.hourly"
    timezone: str


class WeatherDaily(Series):
    kind: Literal["weather.daily"] = "weather.daily"
    timezone: str


CURRENT_VARS = {
    "temperature": "temperature_2m",
    "apparent_temperature": "apparent_temperature",
    "relative_humidity": "relative_humidity_2m",
    "precipitation": "precipitation",
    "cloud_cover": "cloud_cover",
    "wind_speed": "wind_speed_10m",
    "wind_direction": "wind_direction_10m",
    "weather_code": "weather_code",
    "is_day": "is_day",
}
HOURLY_VARS = {
    "temperature": "temperature_2m",
    "precipitation_probability": "precipitation_probability",
    "precipitation": "precipitation",
    "weather_code": "weather_code",
}
DAILY_VARS = {
    "temperature_max": "temperature_2m_max",
    "temperature_min": "temperature_2m_min",
    "precipitation_sum": "precipitation_sum",
    "precipitation_probability_max": "precipitation_probability_max",
    "weather_code": "weather_code",
}


class WeatherConnector(Connector[WeatherParams]):
    name: ClassVar[str] = "weather"
    description: ClassVar[str] = "current weather and hourly/daily forecast for a place (Open-Meteo)"
    domain: ClassVar[str] = "weather"
    answer_fields: ClassVar[tuple[str, ...]] = ("temperature", "temp", "apparent", "condition", "weather", "description", "summary", "precipitation_probability", "uv_index$")
    source: ClassVar[str] = SOURCE
    params_model = WeatherParams
    record_types = (WeatherCurrent, WeatherHourly, WeatherDaily)
    examples = ("place=서울", "place=Busan days=5", "lat=33.4996 lon=126.5312 hours=12")
    ttl_seconds = 10 * 60.0  # Open-Meteo updates current conditions every 15 minutes
    base_url_settings = ("open_meteo_url", "open_meteo_geocoding_url")

    def param_defaults(self) -> dict[str, Any]:
        return {"units": self.ctx.settings.units}

    def fetch(self, params: WeatherParams) -> list[Record]:
        place = resolve_place(self.ctx, params.place) if params.place else Place.from_coordinates(params.lat or 0.0, params.lon or 0.0)
        query: dict[str, str | int | float] = {
            "latitude": place.latitude,
            "longitude": place.longitude,
            "current": ",".join(CURRENT_VARS.values()),
            "daily": ",".join(DAILY_VARS.values()),
            "forecast_days": params.days,
            "timezone": place.timezone or "auto",
        }
        if params.units == "imperial":
            # Open-Meteo converts; the records read the units back from the payload.
            query.update(temperature_unit="fahrenheit", wind_speed_unit="mph", precipitation_unit="inch")
        period = params.period()
        if period is not None:
            self._check_period(period, place)
            del query["forecast_days"]  # Open-Meteo takes either a count of days or dates
            query["start_date"], query["end_date"] = period[0].isoformat(), period[1].isoformat()
        elif params.hours:
            query["hourly"] = ",".join(HOURLY_VARS.values())
            # The hourly window may run past the daily one; ask for enough days to cover it.
            query["forecast_days"] = max(params.days, min(16, params.hours // 24 + 2))
        base = self.ctx.base_url("open_meteo_url")
        response = self.ctx.http.get(f"{base}/v1/forecast", params=query, source=SOURCE, rate=OPEN_METEO_RATE)
        payload = open_meteo_payload(response, source=SOURCE)  # {"error": true, "reason": ...} with 400 or 200 -> exit 35
        return transform_forecast(payload, place=place, params=params, provenance=self.provenance(response))

    def _check_period(self, period: tuple[date, date], place: Place) -> None:
        """Refuse days Open-Meteo cannot serve, rather than answer with other days' figures."""
        zone = ZoneInfo(place.timezone) if place.timezone else None
        today = self.ctx.now().astimezone(zone).date() if zone else self.ctx.now().date()
        last = today + timedelta(days=FORECAST_HORIZON_DAYS - 1)
        first = today - timedelta(days=PAST_DAYS_LIMIT)
        if period[1] > last:
            raise InvalidParams(
                f"no forecast for {period[1]} in {place.label}: {SOURCE} forecasts {FORECAST_HORIZON_DAYS} days ahead, "
                f"up to {last}",
                hint=f"ask about days up to {last}",
            )
        if period[0] < first:
            raise InvalidParams(
                f"no weather for {period[0]} in {place.label}: {SOURCE}'s forecast API keeps {PAST_DAYS_LIMIT} days back, "
                f"from {first}",
                hint=f"ask about days from {first} on",
            )


def transform_forecast(
    payload: dict[str, Any], *, place: Place, params: WeatherParams, provenance: dict[str, Any]
) -> list[Record]:
    tz = zone_of(payload)
    tz_name = str(payload.get("timezone") or tz)
    now_local = current_time(payload)
    current = require_dict(payload, "current", source=SOURCE)
    code = int(require_number(payload, "current", "weather_code", source=SOURCE) or 0)
    is_day = optional_number(current, "is_day", section="current")
    common = {**provenance, "subject": place.label, "as_of": now_local, "note": place.note}
    records: list[Record] = [
        WeatherCurrent(
            **common,
            units=section_units(payload, "current", {k: v for k, v in CURRENT_VARS.items() if k not in ("weather_code", "is_day")}),
            latitude=float(payload.get("latitude", place.latitude)),
            longitude=float(payload.get("longitude", place.longitude)),
            timezone=tz_name,
            temperature=require_number(payload, "current", "temperature_2m", source=SOURCE) or 0.0,
            apparent_temperature=optional_number(current, "apparent_temperature", section="current"),
            relative_humidity=optional_number(current, "relative_humidity_2m", section="current"),
            precipitation=optional_number(current, "precipitation", section="current"),
            cloud_cover=optional_number(current, "cloud_cover", section="current"),
            wind_speed=optional_number(current, "wind_speed_10m", section="current"),
            wind_direction=optional_number(current, "wind_direction_10m", section="current"),
            weather_code=code,
            condition=describe_wmo(code) or "",
            is_day=None if is_day is None else bool(is_day),
        )
    ]
    period = params.period()
    if params.hours and period is None and isinstance(payload.get("hourly"), dict):
        times, cols = columns(payload, "hourly", HOURLY_VARS)
        start = now_local.replace(minute=0, second=0, microsecond=0)
        end = start + timedelta(hours=params.hours)
        points = [_point(t, cols, i) for i, t in enumerate(times) if start <= t < end]
        if points:
            records.append(
                WeatherHourly(**common, units=section_units(payload, "hourly", HOURLY_VARS), timezone=tz_name, points=points)
            )
    if isinstance(payload.get("daily"), dict):
        times, cols = columns(payload, "daily", DAILY_VARS)
        points = [_point(t, cols, i) for i, t in enumerate(times)]
        if period is None:
            points = points[: params.days]
        else:
            points = [p for p in points if period[0] <= _day_of(p.time) <= period[1]]
        records.append(
            WeatherDaily(**common, units=section_units(payload, "daily", DAILY_VARS), timezone=tz_name, points=points)
        )
    return records


def _day_of(time: Any) -> date:
    return time.date() if isinstance(time, datetime) else date.fromisoformat(str(time)[:10])


def _point(time: Any, cols: dict[str, list[Any]], i: int) -> SeriesPoint:
    values: dict[str, Any] = {name: col[i] for name, col in cols.items()}
    if "weather_code" in values:
        values["condition"] = describe_wmo(values["weather_code"])
    return SeriesPoint(time=time, values=values)
