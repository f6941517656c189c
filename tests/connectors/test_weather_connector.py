"""weather: Open-Meteo geocoding + forecast, over recorded payloads (see fixtures/SOURCES.md)."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import responses

from connectors.errors import NotFound, SchemaDriftError, UpstreamErrorBody
from connectors.testing import ConnectorContract, ErrorCase, FakeClock, Recorded, make_runtime
from connectors.weather import WeatherConnector, WeatherCurrent, WeatherDaily, WeatherHourly
from tests.connectors.payloads import fixture

GEO = "https://geocoding-api.open-meteo.com/v1/search"
FORECAST = "https://api.open-meteo.com/v1/forecast"
NEW_YORK = fixture("open-meteo/forecast_current_hourly_newyork.json")
LISBON = fixture("open-meteo/forecast_current_daily_unixtime_lisbon.json")
ENSCHEDE = fixture("open-meteo/geocoding_enschede.json")
NO_RESULTS = fixture("open-meteo/geocoding_no_results.json")
SEOUL_KO = fixture("open-meteo/geocoding_seoul_language_ko_TRIMMED_fixture.json")


class TestWeatherContract(ConnectorContract):
    connector = WeatherConnector
    params = {"place": "Enschede", "days": "3"}
    success = [Recorded(GEO, json=ENSCHEDE), Recorded(FORECAST, json=NEW_YORK)]
    expected_kinds = ["weather.current", "weather.hourly"]
    bad_params = [
        ({}, "place="),
        ({"place": "Seoul", "lat": "37.5"}, "not both"),
        ({"lat": "37.5"}, "lon="),
        ({"lat": "91", "lon": "0"}, "lat"),
        ({"place": "Seoul", "days": "17"}, "days"),
        ({"place": "Seoul", "days": "three"}, "days"),
    ]
    error_cases = [
        ErrorCase("unknown place: geocoding 200 without results", [Recorded(GEO, json=NO_RESULTS)],
                  NotFound, "unknown place 'Enschede'", calls=1),
        ErrorCase("geocoding 400 error body is quoted, not retried",
                  [Recorded(GEO, json=fixture("open-meteo/error_400_geocoding_docs.json"), status=400)],
                  UpstreamErrorBody, "Parameter count must be between 1 and 100.", calls=1),
        ErrorCase("forecast 400 error body", [
            Recorded(GEO, json=ENSCHEDE),
            Recorded(FORECAST, json=fixture("open-meteo/error_400_forecast_docs.json"), status=400)],
            UpstreamErrorBody, "invalid String value tempeture_2m", calls=2),
        ErrorCase("forecast without current block: schema drift",
                  [Recorded(GEO, json=ENSCHEDE), Recorded(FORECAST, json=fixture("open-meteo/forecast_minimal_no_vars.json"))],
                  SchemaDriftError, "field 'current", calls=2),
    ]


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_current_and_hourly_from_the_new_york_capture(rsps, tmp_path: Path) -> None:
    rsps.add(responses.GET, FORECAST, json=NEW_YORK)
    result = make_runtime(tmp_path).fetch("weather", {"lat": "40.8337", "lon": "-73.1758", "hours": "3"})
    current, hourly = result.records
    assert isinstance(current, WeatherCurrent) and isinstance(hourly, WeatherHourly)
    zone = ZoneInfo("America/New_York")
    assert current.as_of == datetime(2026, 8, 23, 18, 45, tzinfo=zone)
    assert current.as_of.utcoffset().total_seconds() == -4 * 3600
    assert (current.temperature, current.apparent_temperature, current.relative_humidity) == (23.2, 25.7, 85)
    assert current.condition == "clear sky" and current.weather_code == 0
    assert current.units["temperature"] == "°C" and current.units["wind_speed"] == "km/h"
    assert current.subject == "40.8337, -73.1758"
    # hours=3 from the hour containing 18:45 local: 18:00, 19:00, 20:00
    assert [p.time.hour for p in hourly.points] == [18, 19, 20]
    assert hourly.points[0].values["temperature"] == 23.9
    assert hourly.points[0].values["condition"] == "clear sky"
    sent = rsps.calls[0].request.url
    assert "timezone=auto" in sent and "forecast_days=3" in sent and "current=temperature_2m" in sent


def test_unixtime_daily_from_the_lisbon_capture(rsps, tmp_path: Path) -> None:
    rsps.add(responses.GET, FORECAST, json=LISBON)
    result = make_runtime(tmp_path).fetch("weather", {"lat": "38.72", "lon": "-9.13", "days": "2", "hours": "0"})
    current, daily = result.records
    assert isinstance(daily, WeatherDaily)
    assert current.as_of.isoformat() == "2024-01-26T10:15:00+00:00"
    assert current.condition == "overcast" and current.apparent_temperature is None  # not in this capture
    assert [p.time.date().isoformat() for p in daily.points] == ["2024-01-26", "2024-01-27"]
    assert daily.points[0].values["temperature_max"] == 17.7
    assert daily.units["temperature_min"] == "°C"
    assert "hourly=" not in rsps.calls[0].request.url


def test_korean_place_resolved_in_korea(rsps, tmp_path: Path) -> None:
    rsps.add(responses.GET, GEO, json=SEOUL_KO)
    rsps.add(responses.GET, FORECAST, json=NEW_YORK)
    result = make_runtime(tmp_path).fetch("weather", {"place": "서울"})
    assert result.records[0].subject == "서울, 대한민국"  # admin1 서울특별시 repeats the name
    geo_url = rsps.calls[0].request.url
    assert "language=ko" in geo_url
    assert "timezone=Asia%2FSeoul" in rsps.calls[1].request.url or "timezone=Asia/Seoul" in rsps.calls[1].request.url


def test_korean_place_falls_back_to_english_name(rsps, tmp_path: Path) -> None:
    # Korean search finds nothing in Korea; the alias table's English name, restricted to KR, does.
    rsps.add(responses.GET, GEO, json=NO_RESULTS, match=[responses.matchers.query_param_matcher(
        {"name": "부산광역시", "count": "10", "language": "ko", "format": "json"})])
    rsps.add(responses.GET, GEO, json=SEOUL_KO, match=[responses.matchers.query_param_matcher(
        {"name": "Busan", "count": "10", "language": "en", "format": "json", "countryCode": "KR"})])
    rsps.add(responses.GET, FORECAST, json=NEW_YORK)
    record = make_runtime(tmp_path).fetch("weather", {"place": "부산광역시"}).records[0]
    assert record.note == "resolved '부산광역시' through its English name 'Busan'"


def test_korean_name_matching_only_abroad_is_used_with_a_note(rsps, tmp_path: Path) -> None:
    rsps.add(responses.GET, GEO, json=ENSCHEDE)
    rsps.add(responses.GET, FORECAST, json=NEW_YORK)
    record = make_runtime(tmp_path).fetch("weather", {"place": "엔스헤데"}).records[0]
    assert record.subject == "Enschede, Overijssel, The Netherlands"
    assert "matched no place in Korea" in (record.note or "")


def test_country_suffix_filters_the_search(rsps, tmp_path: Path) -> None:
    rsps.add(responses.GET, GEO, json=ENSCHEDE, match=[responses.matchers.query_param_matcher(
        {"name": "Enschede", "count": "10", "language": "en", "format": "json", "countryCode": "NL"})])
    rsps.add(responses.GET, FORECAST, json=NEW_YORK)
    make_runtime(tmp_path).fetch("weather", {"place": "Enschede, nl"})


def test_geocoding_is_cached_across_connectors(rsps, tmp_path: Path) -> None:
    rsps.add(responses.GET, GEO, json=ENSCHEDE)
    rsps.add(responses.GET, FORECAST, json=NEW_YORK)
    rsps.add(responses.GET, "https://air-quality-api.open-meteo.com/v1/air-quality",
             json=fixture("open-meteo/air_quality_current_hourly_trimmed.json"))
    runtime = make_runtime(tmp_path)
    runtime.fetch("weather", {"place": "Enschede"})
    runtime.fetch("air", {"place": "Enschede"})
    assert [c.request.url.split("?")[0] for c in rsps.calls].count(GEO) == 1


def test_missing_current_temperature_is_schema_drift_naming_the_field(rsps, tmp_path: Path) -> None:
    drifted = copy.deepcopy(NEW_YORK)
    del drifted["current"]["temperature_2m"]
    rsps.add(responses.GET, FORECAST, json=drifted)
    with pytest.raises(SchemaDriftError) as info:
        make_runtime(tmp_path).fetch("weather", {"lat": "1", "lon": "2"})
    assert info.value.field == "current.temperature_2m"
    assert "field 'current.temperature_2m'" in str(info.value)


def test_hourly_column_length_mismatch_is_drift(rsps, tmp_path: Path) -> None:
    drifted = copy.deepcopy(NEW_YORK)
    drifted["hourly"]["temperature_2m"] = drifted["hourly"]["temperature_2m"][:5]
    rsps.add(responses.GET, FORECAST, json=drifted)
    with pytest.raises(SchemaDriftError) as info:
        make_runtime(tmp_path).fetch("weather", {"lat": "1", "lon": "2"})
    assert info.value.field == "hourly.temperature_2m"


def test_zone_alias_from_the_kyiv_capture(rsps, tmp_path: Path) -> None:
    rsps.add(responses.GET, FORECAST, json=fixture("open-meteo/forecast_current_kyiv_tz_alias.json"))
    # This capture has only temperature: weather_code is required, so it is drift, named.
    with pytest.raises(SchemaDriftError) as info:
        make_runtime(tmp_path).fetch("weather", {"lat": "50.45", "lon": "30.52"})
    assert info.value.field == "current.weather_code"


def test_stale_note_says_how_old(rsps, tmp_path: Path) -> None:
    clock = FakeClock()
    rsps.add(responses.GET, FORECAST, json=NEW_YORK)
    runtime = make_runtime(tmp_path, clock=clock)
    runtime.fetch("weather", {"lat": "1", "lon": "2"})
    clock.advance(45 * 60)
    rsps.replace(responses.GET, FORECAST, status=502, body="bad gateway")
    result = runtime.fetch("weather", {"lat": "1", "lon": "2"})
    assert result.stale and "cached 45 min ago" in (result.records[0].note or "")
    assert "Open-Meteo kept failing (HTTP 502" in (result.warning or "")
