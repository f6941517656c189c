"""The normalized records every connector produces, and the prompt builder consumes.

A record is one observation (a current reading, a quote, a rate) or one series (hourly
forecast, daily candles). Every record carries its provenance: which source, from which URL
(secrets redacted), when briefbot fetched it and what time the data itself refers to.

Connectors subclass :class:`Observation` / :class:`Series` with typed fields; the generic
accessors (:meth:`Record.values`, :attr:`Series.points`) let the packer treat any connector
alike, including third-party ones.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Scalar = float | int | str | bool | None

PROVENANCE_FIELDS = frozenset(
    {"connector", "kind", "source", "source_url", "fetched_at", "as_of", "units", "stale", "subject", "note"}
)


class Record(BaseModel):
    """Fields every record has."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    connector: str = Field(description="connector name, e.g. 'weather'")
    kind: str = Field(description="what the record is, e.g. 'weather.current', 'fx.rates'")
    subject: str = Field(description="what it is about, e.g. 'Seoul, South Korea' or 'KRW-BTC'")
    source: str = Field(description="human name of the upstream, e.g. 'Open-Meteo'")
    source_url: str = Field(description="request URL with credentials redacted")
    fetched_at: AwareDatetime = Field(description="when briefbot received the data (UTC)")
    as_of: AwareDatetime = Field(description="the time the data refers to, in its own zone")
    units: dict[str, str] = Field(default_factory=dict, description="field name -> unit")
    stale: bool = Field(False, description="served from cache after the source failed")
    note: str | None = Field(None, description="anything the reader must know (fallbacks, best-effort source)")

    def values(self) -> dict[str, Scalar]:
        """The record's own data fields (everything but provenance), as plain scalars."""
        data = self.model_dump(mode="json", exclude=set(PROVENANCE_FIELDS) | {"points"})
        return {k: v for k, v in data.items() if not isinstance(v, (dict, list))}

    def age_seconds(self, now: datetime | None = None) -> float:
        now = now or datetime.now(timezone.utc)
        return max(0.0, (now - self.as_of).total_seconds())


class Observation(Record):
    """A single reading. Subclasses add typed fields (temperature_c, price, rate, ...)."""


class SeriesPoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    time: AwareDatetime
    values: dict[str, Scalar]


class Series(Record):
    """A time series; ``points`` are ordered oldest first and share the record's units."""

    points: list[SeriesPoint] = Field(default_factory=list)

    def column(self, name: str) -> list[tuple[datetime, float]]:
        """(time, value) pairs of one numeric column, skipping gaps."""
        out: list[tuple[datetime, float]] = []
        for p in self.points:
            v: Any = p.values.get(name)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out.append((p.time, float(v)))
        return out
