"""``air``: PM10, PM2.5 and air-quality indices for a place (Open-Meteo Air Quality, no key).

Besides the raw concentrations (µg/m³) the record gives the US AQI category and the Korean
Ministry of Environment grades (좋음/보통/나쁨/매우나쁨, as good/moderate/bad/very bad), the
scale Korean users read daily. ``current.pm10`` and ``current.pm2_5`` are required.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from connectors.base import Connector
from connectors.geocoding import OPEN_METEO_RATE, Place, resolve_place
from connectors.open_meteo import columns, current_time, open_meteo_payload, optional_number, section_units
from connectors.records import Observation, Record, Series, SeriesPoint
from connectors.shape import require_dict, require_number
from connectors.weather import PlaceParams

SOURCE = "Open-Meteo Air Quality"


class AirParams(PlaceParams):
    hours: int = Field(12, ge=0, le=96, description="hours of hourly forecast from now (0 = none)", examples=[12])


class AirQualityCurrent(Observation):
    kind: Literal["air.current"] = "air.current"
    latitude: float
    longitude: float
    pm10: float
    pm2_5: float
    us_aqi: float | None = None
    us_aqi_category: str | None = None
    european_aqi: float | None = None
    pm10_grade_kr: str
    pm2_5_grade_kr: str


class AirQualityHourly(Series):
    kind: Literal["air.hourly"] = "air.hourly"


CURRENT_VARS = {"pm10": "pm10", "pm2_5": "pm2_5", "us_aqi": "us_aqi", "european_aqi": "european_aqi"}
HOURLY_VARS = {"pm10": "pm10", "pm2_5": "pm2_5", "us_aqi": "us_aqi"}

# (upper bound inclusive, label): Korean Ministry of Environment grades (PM2.5 since 2018).
PM10_GRADES_KR = ((30, "good"), (80, "moderate"), (150, "bad"), (float("inf"), "very bad"))
PM2_5_GRADES_KR = ((15, "good"), (35, "moderate"), (75, "bad"), (float("inf"), "very bad"))
US_AQI_CATEGORIES = (
    (50, "good"),
    (100, "moderate"),
    (150, "unhealthy for sensitive groups"),
    (200, "unhealthy"),
    (300, "very unhealthy"),
    (float("inf"), "hazardous"),
)


def grade(value: float, table: tuple[tuple[float, str], ...]) -> str:
    for upper, label in table:
        if round(value) <= upper:
            return label
    return table[-1][1]


class AirQualityConnector(Connector[AirParams]):
    name: ClassVar[str] = "air"
    description: ClassVar[str] = "air quality for a place: PM10, PM2.5, US AQI, Korean grades (Open-Meteo)"
    domain: ClassVar[str] = "weather"
    answer_fields: ClassVar[tuple[str, ...]] = ("pm10", "pm2_5", "aqi", "european_aqi$", "us_aqi$")
    source: ClassVar[str] = SOURCE
    params_model = AirParams
    record_types = (AirQualityCurrent, AirQualityHourly)
    examples = ("place=서울", "place=Busan hours=24", "lat=37.566 lon=126.9784 hours=0")
    ttl_seconds = 30 * 60.0  # the air-quality model is hourly
    base_url_settings = ("open_meteo_air_url", "open_meteo_geocoding_url")

    def fetch(self, params: AirParams) -> list[Record]:
        place = resolve_place(self.ctx, params.place) if params.place else Place.from_coordinates(params.lat or 0.0, params.lon or 0.0)
        query: dict[str, str | int | float] = {
            "latitude": place.latitude,
            "longitude": place.longitude,
            "current": ",".join(CURRENT_VARS.values()),
            "timezone": place.timezone or "auto",
        }
        if params.hours:
            query["hourly"] = ",".join(HOURLY_VARS.values())
            query["forecast_days"] = min(7, params.hours // 24 + 2)
        base = self.ctx.base_url("open_meteo_air_url")
        response = self.ctx.http.get(f"{base}/v1/air-quality", params=query, source=SOURCE, rate=OPEN_METEO_RATE)
        payload = open_meteo_payload(response, source=SOURCE)  # {"error": true, "reason": ...} with 400 or 200 -> exit 35
        return transform_air(payload, place=place, hours=params.hours, provenance=self.provenance(response))


def transform_air(payload: dict[str, Any], *, place: Place, hours: int, provenance: dict[str, Any]) -> list[Record]:
    now_local = current_time(payload)
    current = require_dict(payload, "current", source=SOURCE)
    pm10 = require_number(payload, "current", "pm10", source=SOURCE) or 0.0
    pm2_5 = require_number(payload, "current", "pm2_5", source=SOURCE) or 0.0
    us_aqi = optional_number(current, "us_aqi", section="current")
    common = {**provenance, "subject": place.label, "as_of": now_local, "note": place.note}
    records: list[Record] = [
        AirQualityCurrent(
            **common,
            units=section_units(payload, "current", CURRENT_VARS),
            latitude=float(payload.get("latitude", place.latitude)),
            longitude=float(payload.get("longitude", place.longitude)),
            pm10=pm10,
            pm2_5=pm2_5,
            us_aqi=us_aqi,
            us_aqi_category=None if us_aqi is None else grade(us_aqi, US_AQI_CATEGORIES),
            european_aqi=optional_number(current, "european_aqi", section="current"),
            pm10_grade_kr=grade(pm10, PM10_GRADES_KR),
            pm2_5_grade_kr=grade(pm2_5, PM2_5_GRADES_KR),
        )
    ]
    if hours and isinstance(payload.get("hourly"), dict):
        times, cols = columns(payload, "hourly", HOURLY_VARS)
        start = now_local.replace(minute=0, second=0, microsecond=0)
        points = [
            SeriesPoint(time=t, values={name: col[i] for name, col in cols.items()})
            for i, t in enumerate(times)
            if t >= start
        ][:hours]
        if points:
            records.append(
                AirQualityHourly(**common, units=section_units(payload, "hourly", HOURLY_VARS), points=points)
            )
    return records
