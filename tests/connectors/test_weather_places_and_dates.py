"""weather: any place through the geocoder (namesakes, regions, no such place) and named days."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from connectors.errors import InvalidParams, NotFound
from connectors.testing import FakeClock, make_runtime
from connectors.weather import WeatherDaily
from tests.connectors.payloads import fixture

GEO = "https://geocoding-api.open-meteo.com/v1/search"
FORECAST = "https://api.open-meteo.com/v1/forecast"
LISBON = fixture("open-meteo/forecast_current_daily_unixtime_lisbon.json")  # daily 2024-01-26 .. 02-01
SPRINGFIELD = fixture("open-meteo/geocoding_springfield_GENERATED.json")
AUSTIN = fixture("open-meteo/geocoding_austin_GENERATED.json")
NO_RESULTS = fixture("open-meteo/geocoding_no_results.json")
JAN_26 = FakeClock(datetime(2024, 1, 26, 10, 0, tzinfo=timezone.utc))


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _query(call: responses.Call) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def test_a_name_many_towns_share_takes_the_most_populous_and_says_which(rsps, tmp_path: Path) -> None:
    rsps.add(responses.GET, GEO, json=SPRINGFIELD)
    rsps.add(responses.GET, FORECAST, json=LISBON)
    record = make_runtime(tmp_path, clock=JAN_26).fetch("weather", {"place": "Springfield"}).records[0]
    assert record.subject == "Springfield, Missouri, United States"
    assert "4 places are named Springfield; took the most populous, Springfield, Missouri" in (record.note or "")
    assert _query(rsps.calls[1])["latitude"] == "37.21533"


@pytest.mark.parametrize("place", ["Springfield, Illinois", "Springfield, IL", "springfield, illinois"])
def test_a_region_after_the_name_picks_that_town(rsps, tmp_path: Path, place: str) -> None:
    rsps.add(responses.GET, GEO, json=SPRINGFIELD)
    rsps.add(responses.GET, FORECAST, json=LISBON)
    record = make_runtime(tmp_path, clock=JAN_26).fetch("weather", {"place": place}).records[0]
    assert record.subject == "Springfield, Illinois, United States"
    assert "countryCode" not in _query(rsps.calls[0])  # IL is Illinois here, not Israel


def test_a_state_code_that_is_also_a_country_code_is_read_as_the_state(rsps, tmp_path: Path) -> None:
    rsps.add(responses.GET, GEO, json=AUSTIN)
    rsps.add(responses.GET, FORECAST, json=LISBON)
    record = make_runtime(tmp_path, clock=JAN_26).fetch("weather", {"place": "Austin, TX"}).records[0]
    assert record.subject == "Austin, Texas, United States"


def test_no_such_place_is_exit_33_and_names_the_place(rsps, tmp_path: Path) -> None:
    rsps.add(responses.GET, GEO, json=NO_RESULTS)
    with pytest.raises(NotFound) as info:
        make_runtime(tmp_path, clock=JAN_26).fetch("weather", {"place": "Qwzxville"})
    assert info.value.exit_code == 33
    assert "unknown place 'Qwzxville': no such place" in info.value.message
    assert len(rsps.calls) == 1  # no forecast asked for nowhere


def test_named_days_are_asked_by_date_and_only_those_days_are_kept(rsps, tmp_path: Path) -> None:
    rsps.add(responses.GET, GEO, json=SPRINGFIELD)
    rsps.add(responses.GET, FORECAST, json=LISBON)
    records = make_runtime(tmp_path, clock=JAN_26).fetch(
        "weather", {"place": "Springfield", "start": "2024-01-27", "end": "2024-01-28", "hours": "0"}).records
    query = _query(rsps.calls[1])
    assert (query["start_date"], query["end_date"]) == ("2024-01-27", "2024-01-28")
    assert "forecast_days" not in query and "hourly" not in query
    (daily,) = [r for r in records if isinstance(r, WeatherDaily)]
    assert [p.time.date().isoformat() for p in daily.points] == ["2024-01-27", "2024-01-28"]


@pytest.mark.parametrize(("start", "end", "says"), [
    ("2024-02-12", "2024-02-18", "forecasts 16 days ahead, up to 2024-02-10"),
    ("2023-09-01", "2023-09-01", "keeps 92 days back, from 2023-10-26"),
])
def test_days_the_forecast_cannot_serve_are_refused_with_exit_34(rsps, tmp_path: Path, start: str, end: str, says: str) -> None:
    rsps.add(responses.GET, GEO, json=SPRINGFIELD)
    with pytest.raises(InvalidParams) as info:
        make_runtime(tmp_path, clock=JAN_26).fetch("weather", {"place": "Springfield", "start": start, "end": end})
    assert info.value.exit_code == 34 and says in info.value.message
    assert all("forecast" not in c.request.url for c in rsps.calls)


def test_imperial_units_are_asked_of_open_meteo_and_read_back(rsps, tmp_path: Path) -> None:
    fahrenheit = {**LISBON, "current_units": {**LISBON["current_units"], "temperature_2m": "°F"}}
    rsps.add(responses.GET, GEO, json=SPRINGFIELD)
    rsps.add(responses.GET, FORECAST, json=fahrenheit)
    record = make_runtime(tmp_path, clock=JAN_26).fetch("weather", {"place": "Springfield", "units": "imperial"}).records[0]
    query = _query(rsps.calls[1])
    assert (query["temperature_unit"], query["wind_speed_unit"], query["precipitation_unit"]) == ("fahrenheit", "mph", "inch")
    assert record.units["temperature"] == "°F"


def test_the_units_setting_is_the_default_and_part_of_the_cache_key(rsps, tmp_path: Path) -> None:
    rsps.add(responses.GET, GEO, json=SPRINGFIELD)
    rsps.add(responses.GET, FORECAST, json=LISBON)
    make_runtime(tmp_path, clock=JAN_26, settings={"units": "imperial"}).fetch("weather", {"place": "Springfield"})
    assert _query(rsps.calls[-1])["temperature_unit"] == "fahrenheit"
    make_runtime(tmp_path, clock=JAN_26).fetch("weather", {"place": "Springfield"})  # metric: not the cached °F answer
    assert "temperature_unit" not in _query(rsps.calls[-1])
    assert sum("forecast" in c.request.url for c in rsps.calls) == 2
