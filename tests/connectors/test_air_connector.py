"""air: Open-Meteo Air Quality over recorded payloads."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses

from connectors.air import AirQualityConnector, AirQualityCurrent, grade, PM10_GRADES_KR, PM2_5_GRADES_KR
from connectors.errors import NotFound, SchemaDriftError, UpstreamErrorBody
from connectors.testing import ConnectorContract, ErrorCase, Recorded, make_runtime
from tests.connectors.payloads import fixture

GEO = "https://geocoding-api.open-meteo.com/v1/search"
AIR = "https://air-quality-api.open-meteo.com/v1/air-quality"
TRIMMED = fixture("open-meteo/air_quality_current_hourly_trimmed.json")
HA = fixture("open-meteo/air_quality_current_ha.json")
ENSCHEDE = fixture("open-meteo/geocoding_enschede.json")


class TestAirContract(ConnectorContract):
    connector = AirQualityConnector
    params = {"place": "Enschede"}
    success = [Recorded(GEO, json=ENSCHEDE), Recorded(AIR, json=TRIMMED)]
    expected_kinds = ["air.current"]  # the trimmed capture's 3 hourly steps are all before "now"
    bad_params = [({}, "place="), ({"place": "x", "hours": "97"}, "hours"), ({"lat": "1", "lon": "181"}, "lon")]
    error_cases = [
        ErrorCase("unknown place", [Recorded(GEO, json=fixture("open-meteo/geocoding_no_results.json"))],
                  NotFound, "unknown place 'Enschede'", calls=1),
        ErrorCase("400 body", [Recorded(GEO, json=ENSCHEDE),
                               Recorded(AIR, json=fixture("open-meteo/error_400_forecast_docs.json"), status=400)],
                  UpstreamErrorBody, "Open-Meteo Air Quality answered HTTP 400", calls=2),
        # A real capture that asked for other variables: pm10 is missing -> drift, named.
        ErrorCase("schema drift", [Recorded(GEO, json=ENSCHEDE), Recorded(AIR, json=HA)],
                  SchemaDriftError, "field 'current.pm10'", calls=2),
    ]


def test_values_units_and_grades_from_the_capture(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, AIR, json=TRIMMED)
        result = make_runtime(tmp_path).fetch("air", {"lat": "52.3", "lon": "6.9"})
        sent = rsps.calls[0].request.url
    current = result.records[0]
    assert isinstance(current, AirQualityCurrent)
    assert (current.pm10, current.pm2_5, current.us_aqi, current.european_aqi) == (28.2, 22.1, 65, 44)
    assert current.us_aqi_category == "moderate"
    assert (current.pm10_grade_kr, current.pm2_5_grade_kr) == ("good", "moderate")
    assert current.units["pm10"] == "μg/m³"
    assert current.as_of.isoformat() == "2026-10-03T12:00:00+02:00"
    assert "current=pm10%2Cpm2_5%2Cus_aqi%2Ceuropean_aqi" in sent or "current=pm10,pm2_5,us_aqi,european_aqi" in sent


@pytest.mark.parametrize(
    ("value", "table", "expected"),
    [(30, PM10_GRADES_KR, "good"), (30.4, PM10_GRADES_KR, "good"), (31, PM10_GRADES_KR, "moderate"),
     (151, PM10_GRADES_KR, "very bad"), (15, PM2_5_GRADES_KR, "good"), (76, PM2_5_GRADES_KR, "very bad")],
)
def test_korean_grade_boundaries(value: float, table, expected: str) -> None:
    assert grade(value, table) == expected
