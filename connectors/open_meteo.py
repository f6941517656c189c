"""What the Open-Meteo connectors (weather, air) share: time zones, times, columns, WMO codes.

Open-Meteo sends local wall-clock times (``"2026-08-23T18:45"``) plus the zone's name and
UTC offset, or Unix seconds when ``timeformat=unixtime``; both are turned into aware
datetimes in the place's own zone. It may answer with an older alias of the zone asked for
(``Europe/Kiev`` for ``Europe/Kyiv``): the zone database knows both, and a fixed offset is
the fallback for a name it does not know.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.errors import SchemaDriftError, UpstreamErrorBody
from connectors.http import HttpResponse
from connectors.shape import epoch_time, require, require_dict, require_list

SOURCE = "Open-Meteo"

# WMO weather interpretation codes, as Open-Meteo documents them.
WMO_CODES: dict[int, str] = {
    0: "clear sky",
    1: "mainly clear",
    2: "partly cloudy",
    3: "overcast",
    45: "fog",
    48: "depositing rime fog",
    51: "light drizzle",
    53: "moderate drizzle",
    55: "dense drizzle",
    56: "light freezing drizzle",
    57: "dense freezing drizzle",
    61: "slight rain",
    63: "moderate rain",
    65: "heavy rain",
    66: "light freezing rain",
    67: "heavy freezing rain",
    71: "slight snowfall",
    73: "moderate snowfall",
    75: "heavy snowfall",
    77: "snow grains",
    80: "slight rain showers",
    81: "moderate rain showers",
    82: "violent rain showers",
    85: "slight snow showers",
    86: "heavy snow showers",
    95: "thunderstorm",
    96: "thunderstorm with slight hail",
    99: "thunderstorm with heavy hail",
}


def describe_wmo(code: int | None) -> str | None:
    if code is None:
        return None
    return WMO_CODES.get(code, f"unknown weather code {code}")


def open_meteo_payload(response: HttpResponse, *, source: str = SOURCE) -> dict[str, Any]:
    """The JSON object of an Open-Meteo answer, or its error quoted (exit 35).

    Open-Meteo reports bad requests as ``{"error": true, "reason": ...}`` with HTTP 400 and,
    from some servers and proxies, with HTTP 200: read as data, that body looked like a
    missing time zone (36) or an unknown place (33).
    """
    response.raise_for_status()
    payload = require_dict(response.json(), source=source)
    if payload.get("error") is True:
        raise UpstreamErrorBody(
            f"{source} answered with an error: {response.upstream_message()}",
            hint="check the parameters (`briefbot connectors show NAME` lists what is allowed)",
        )
    return payload


def zone_of(payload: dict[str, Any]) -> tzinfo:
    name = payload.get("timezone")
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = payload.get("utc_offset_seconds")
    if isinstance(offset, (int, float)):
        abbreviation = payload.get("timezone_abbreviation")
        if isinstance(abbreviation, str) and abbreviation:
            return timezone(timedelta(seconds=offset), abbreviation)
        return timezone(timedelta(seconds=offset))
    raise SchemaDriftError(
        f"{SOURCE} response names no usable time zone: field 'timezone'", field="timezone"
    )


def parse_time(value: Any, *, unixtime: bool, tz: tzinfo, field: str) -> datetime:
    try:
        if unixtime:
            return epoch_time(value, tz, source=SOURCE, field=field)
        parsed = datetime.fromisoformat(str(value))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    except (TypeError, ValueError, OverflowError):
        raise SchemaDriftError(
            f"{SOURCE} response has an unreadable time {value!r}: field '{field}'", field=field
        ) from None


def is_unixtime(payload: dict[str, Any], section: str) -> bool:
    units = payload.get(f"{section}_units")
    return isinstance(units, dict) and units.get("time") == "unixtime"


def section_units(payload: dict[str, Any], section: str, names: dict[str, str]) -> dict[str, str]:
    """Our field name -> unit, read from the payload's own ``<section>_units``."""
    units = payload.get(f"{section}_units")
    if not isinstance(units, dict):
        return {}
    out: dict[str, str] = {}
    for ours, theirs in names.items():
        unit = units.get(theirs)
        if isinstance(unit, str) and unit:
            out[ours] = unit
    return out


def columns(payload: dict[str, Any], section: str, names: dict[str, str]) -> tuple[list[datetime], dict[str, list[Any]]]:
    """Times and the requested columns of an hourly/daily block, checked to line up."""
    block = require_dict(payload, section, source=SOURCE)
    tz = zone_of(payload)
    unix = is_unixtime(payload, section)
    raw_times = require_list(block, "time", source=SOURCE)
    times = [parse_time(t, unixtime=unix, tz=tz, field=f"{section}.time") for t in raw_times]
    cols: dict[str, list[Any]] = {}
    for ours, theirs in names.items():
        if theirs not in block:
            continue
        values = require_list(block, theirs, source=SOURCE)
        if len(values) != len(times):
            raise SchemaDriftError(
                f"{SOURCE} response has {len(values)} values for {len(times)} times: field '{section}.{theirs}'",
                field=f"{section}.{theirs}",
            )
        for i, value in enumerate(values):
            if value is not None and not isinstance(value, (int, float, str, bool)):
                raise SchemaDriftError(
                    f"{SOURCE} response has {type(value).__name__} in a column: field '{section}.{theirs}[{i}]'",
                    field=f"{section}.{theirs}",
                )
        cols[ours] = values
    return times, cols


def optional_number(block: dict[str, Any], name: str, *, section: str) -> float | None:
    if name not in block or block[name] is None:
        return None
    value = block[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SchemaDriftError(
            f"{SOURCE} response has {type(value).__name__} where a number was expected: field '{section}.{name}'",
            field=f"{section}.{name}",
        )
    return float(value)


def current_time(payload: dict[str, Any]) -> datetime:
    return parse_time(
        require(payload, "current", "time", source=SOURCE),
        unixtime=is_unixtime(payload, "current"),
        tz=zone_of(payload),
        field="current.time",
    )
