"""Field policy: which of a record's fields a question needs, so nothing else costs tokens.

What a connector is about comes from the connector class itself (``domain``,
``answer_fields``), built-in or third-party alike: see :class:`ConnectorTraits`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from connectors.base import Connector


@dataclass(frozen=True)
class ConnectorTraits:
    """The declarations of one connector the packer acts on."""

    domain: str = ""
    answer_fields: tuple[str, ...] = ()

    @classmethod
    def of(cls, connector: type[Connector[Any]]) -> ConnectorTraits:
        return cls(connector.domain, tuple(connector.answer_fields))

    @property
    def declared(self) -> bool:
        return bool(self.domain or self.answer_fields)

    def answers(self, field_name: str) -> bool:
        return any(re.search(pattern, field_name) for pattern in self.answer_fields)


TraitsLookup = Callable[[str], ConnectorTraits]


def traits_from(connectors: Mapping[str, type[Connector[Any]]]) -> TraitsLookup:
    """A lookup over the given connector classes (a registry's, or a test's own)."""
    table = {name: ConnectorTraits.of(cls) for name, cls in connectors.items()}
    return lambda name: table.get(name, ConnectorTraits())


@lru_cache(maxsize=1)
def _installed() -> dict[str, ConnectorTraits]:
    # deferred: the registry imports every connector (requests, plugins); only packing needs it
    from connectors.registry import ConnectorRegistry

    registry = ConnectorRegistry.default()
    return {name: ConnectorTraits.of(registry.get(name)) for name in registry.names()}


def installed_traits(name: str) -> ConnectorTraits:
    """The traits of an installed connector (built-in or plugin); unknown names declare nothing."""
    return _installed().get(name, ConnectorTraits())

# Fields never worth tokens (location metadata, API bookkeeping).
_NOISE = re.compile(r"^(latitude|longitude|lat|lon|elevation|interval|generationtime.*|utc_offset.*|timestamp|.*_timestamp|is_day|timezone.*|trade_date.*|trade_time.*|first_trade.*|price_hint|scale)$")
# Fields kept only when the question's topics ask for them.
_TOPIC_FIELDS: dict[str, re.Pattern[str]] = {
    "humidity": re.compile(r"humid"),
    "wind": re.compile(r"wind"),
    "rain": re.compile(r"precip|rain|shower"),
    "snow": re.compile(r"snow"),
    "volume": re.compile(r"volume|acc_trade|turnover"),
    "high_low": re.compile(r"(^|_)(high|low|open)(_|$)|opening|day_high|day_low"),
    "week52": re.compile(r"52"),
    "market_cap": re.compile(r"market_cap|marketcap"),
}
# Fields that are always core for their connector even without a topic word.
_CORE = re.compile(
    r"price|close|rate|temperature|temp|condition|weather|description|summary|pm10|pm2_5|aqi|"
    r"change|currency|^name$|symbol|^market$|^base$|^quote$|precipitation_probability|apparent|"
    r"^[A-Z]{3}$|european_aqi$|us_aqi$|uv_index$"
)
# Series facts a finance question gets without a trend word (others add mean, moving average,
# trend and volatility).
PLAIN_SERIES_FACTS = frozenset({"first", "latest", "min", "max", "change", "change_pct"})


def select_fields(
    names: Sequence[str], connector: str, topics: frozenset[str], traits_of: TraitsLookup = installed_traits
) -> list[str]:
    """The fields a question needs, in their original order.

    A connector that declares nothing keeps everything but noise: we cannot guess its core.
    """
    traits = traits_of(connector)
    out: list[str] = []
    for name in names:
        if _NOISE.match(name):
            continue
        gated = [t for t, pat in _TOPIC_FIELDS.items() if pat.search(name)]
        if gated and not _CORE.search(name):
            if any(t in topics for t in gated) or "all" in topics:
                out.append(name)
            continue
        if gated and "change" not in name and not any(t in topics for t in gated) and re.search(r"52|volume|acc_trade", name):
            continue
        if not traits.declared or _CORE.search(name) or traits.answers(name) or "all" in topics:
            out.append(name)
    return out


def is_finance_series(traits: ConnectorTraits) -> bool:
    """Whether a series gets the finance facts (move, range, volatility): finance does, and so
    does a connector that declares no domain (its figures may be prices)."""
    return traits.domain in ("finance", "")
