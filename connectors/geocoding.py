"""Place names to coordinates with Open-Meteo's geocoding API, Korean names included.

Open-Meteo's Korean-language search is uneven (some Korean city names find nothing, or a
place abroad), so a Hangul query is resolved in steps:

1. search the name as given with ``language=ko`` and prefer a result in South Korea;
2. if none is in Korea and the name is a known Korean city, search its English name
   restricted to ``countryCode=KR``;
3. otherwise take the best result anywhere (도쿄 is Tokyo), with a note saying so.

``"Paris, FR"`` restricts the search to a country; ``"Austin, Texas"`` or ``"Austin, TX"``
keeps the matches whose region (admin1) or country is named so. Among several matches the
most populous wins (Springfield is Springfield, Illinois), and the label names the region so
the answer says which one was taken. Results are cached for 30 days: towns do not move, and
geocoding should not cost a request per question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from connectors.base import ConnectorContext
from connectors.cache import cache_key
from connectors.errors import NotFound
from connectors.open_meteo import open_meteo_payload
from connectors.ratelimit import Rate
from connectors.shape import require_dict, require_list, require_number

SOURCE = "Open-Meteo Geocoding"
# Open-Meteo's free tier: 600 calls/min, 5,000/hour, 10,000/day (non-commercial).
OPEN_METEO_RATE = Rate(600, 60.0)
GEOCODE_TTL = 30 * 86400.0

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
KOREA_NAMES = frozenset({"KR", "대한민국", "한국", "South Korea", "Korea, Republic of", "Republic of Korea"})

# Major Korean cities: Korean name -> English name Open-Meteo knows. Administrative
# suffixes (시, 특별시, 광역시, 특별자치시/도) are stripped before lookup.
KOREAN_CITIES: dict[str, str] = {
    "서울": "Seoul",
    "부산": "Busan",
    "인천": "Incheon",
    "대구": "Daegu",
    "대전": "Daejeon",
    "광주": "Gwangju",
    "울산": "Ulsan",
    "세종": "Sejong",
    "수원": "Suwon",
    "고양": "Goyang",
    "용인": "Yongin",
    "성남": "Seongnam",
    "창원": "Changwon",
    "청주": "Cheongju",
    "전주": "Jeonju",
    "천안": "Cheonan",
    "포항": "Pohang",
    "김해": "Gimhae",
    "강릉": "Gangneung",
    "춘천": "Chuncheon",
    "원주": "Wonju",
    "여수": "Yeosu",
    "목포": "Mokpo",
    "경주": "Gyeongju",
    "안동": "Andong",
    "제주": "Jeju City",
    "서귀포": "Seogwipo",
}
_SUFFIXES = ("특별자치시", "특별자치도", "특별시", "광역시", "시")


@dataclass(frozen=True)
class Place:
    label: str  # "Seoul, South Korea" / "서울, 대한민국" / "37.5660, 126.9784"
    latitude: float
    longitude: float
    timezone: str | None = None  # None: let Open-Meteo pick (timezone=auto)
    country_code: str | None = None
    note: str | None = None

    @classmethod
    def from_coordinates(cls, lat: float, lon: float) -> Place:
        return cls(label=f"{lat:.4f}, {lon:.4f}", latitude=lat, longitude=lon)


def is_hangul(text: str) -> bool:
    return bool(_HANGUL.search(text))


def english_alias(name: str) -> str | None:
    name = name.replace(" ", "")
    if name in KOREAN_CITIES:
        return KOREAN_CITIES[name]
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in KOREAN_CITIES:
            return KOREAN_CITIES[name[: -len(suffix)]]
    return None


def resolve_place(ctx: ConnectorContext, text: str) -> Place:
    name, qualifier = _split_qualifier(text)
    country = qualifier.upper() if qualifier and _is_country_code(qualifier) else None
    if qualifier and not is_hangul(name) and (country is None or country in US_STATES):
        # A region ("Texas", "TX"): the geocoder cannot filter by it, so filter its matches.
        results = [r for r in _search(ctx, name, language="en", country=None) if _matches(r, qualifier)]
        if not results and country:
            results = _search(ctx, name, language="en", country=country)
        if not results:
            raise _not_found(text)
        return _most_populous(results, name)
    if not is_hangul(name):
        results = _search(ctx, name, language="en", country=country)
        if not results:
            raise _not_found(text)
        return _most_populous(results, name)

    results = _search(ctx, name, language="ko", country=country)
    korean = [r for r in results if _in_korea(r)]
    if korean and country in (None, "KR"):
        return _place(korean[0])
    alias = english_alias(name)
    if alias and country in (None, "KR"):
        fallback = [r for r in _search(ctx, alias, language="en", country="KR") if _in_korea(r)]
        if fallback:
            return _place(fallback[0], note=f"resolved '{name}' through its English name '{alias}'")
    if results:
        place = _place(results[0])
        if country is None and not _in_korea(results[0]):
            place = replace(place, note=f"'{name}' matched no place in Korea; using {place.label}")
        return place
    raise _not_found(text)


def _split_qualifier(text: str) -> tuple[str, str | None]:
    """'Austin, Texas' -> ('Austin', 'Texas'); 'Paris' -> ('Paris', None)."""
    name, sep, tail = text.rpartition(",")
    if sep and name.strip() and tail.strip():
        return name.strip(), tail.strip()
    return text.strip(), None


def _is_country_code(text: str) -> bool:
    return len(text) == 2 and text.isalpha() and text.isascii()


def _matches(result: dict[str, Any], qualifier: str) -> bool:
    """Whether a result lies in the region or country the user named (full name or code)."""
    q = qualifier.strip().lower()
    q = US_STATES.get(q.upper(), q).lower() if len(q) == 2 else q
    names = (result.get("admin1"), result.get("country"), result.get("admin2"))
    if any(isinstance(n, str) and n.lower() == q for n in names):
        return True
    return len(qualifier.strip()) == 2 and str(result.get("country_code") or "").lower() == qualifier.strip().lower()


def _most_populous(results: list[dict[str, Any]], name: str) -> Place:
    """The match most people mean: the largest population, the geocoder's order on a tie."""
    best = max(results, key=lambda r: r.get("population") or 0)
    place = _place(best)
    namesakes = [r for r in results if str(r.get("name") or "").lower() == name.lower()]
    if len(namesakes) > 1 and best in namesakes:
        place = replace(place, note=f"{len(namesakes)} places are named {name}; took the most populous, {place.label}")
    return place


# Two-letter US state codes, as people write them after a town ("Austin TX"); several are also
# country codes (CA, DE, IN), so a match on the region is tried before the country filter.
US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "DC": "District of Columbia",
}


def _search(ctx: ConnectorContext, name: str, *, language: str, country: str | None) -> list[dict[str, Any]]:
    params: dict[str, str | int] = {"name": name, "count": 10, "language": language, "format": "json"}
    if country:
        params["countryCode"] = country
    key = cache_key(params, ctx.settings.http_rewrite or "")
    if ctx.cache is not None:
        entry = ctx.cache.load("geocoding", key)
        if entry is not None and entry.age_seconds(ctx.now()) < GEOCODE_TTL and isinstance(entry.value, list):
            return entry.value
    base = ctx.base_url("open_meteo_geocoding_url")
    response = ctx.http.get(f"{base}/v1/search", params=params, source=SOURCE, rate=OPEN_METEO_RATE)
    payload = open_meteo_payload(response, source=SOURCE)  # {"error": true, "reason": ...} with 400 or 200 -> exit 35
    # No match is HTTP 200 with no "results" key at all.
    results = require_list(payload, "results", source=SOURCE) if "results" in payload else []
    for i, result in enumerate(results):
        require_number(payload, "results", i, "latitude", source=SOURCE)
        require_number(payload, "results", i, "longitude", source=SOURCE)
    if ctx.cache is not None and results:
        ctx.cache.store("geocoding", key, results, now=ctx.now())
    return results


def _in_korea(result: dict[str, Any]) -> bool:
    return result.get("country_code") in KOREA_NAMES or result.get("country") in KOREA_NAMES


def _place(result: dict[str, Any], note: str | None = None) -> Place:
    parts = [str(result.get("name") or "?")]
    admin1, country = result.get("admin1"), result.get("country")
    if admin1 and admin1 != parts[0] and not str(admin1).startswith(parts[0]):
        parts.append(str(admin1))
    if country:
        parts.append(str(country))
    timezone = result.get("timezone")
    return Place(
        label=", ".join(parts),
        latitude=float(result["latitude"]),
        longitude=float(result["longitude"]),
        timezone=timezone if isinstance(timezone, str) and timezone else None,
        country_code=result.get("country_code"),
        note=note,
    )


def _not_found(text: str) -> NotFound:
    return NotFound(
        f"unknown place {text!r}: no such place in {SOURCE}",
        hint="check the spelling, try the English name, add a country ('Gwangju, KR'), or give lat= and lon=",
    )
