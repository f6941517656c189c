"""The normalized records every connector produces, and the prompt builder consumes.

A record is one observation (a current reading, a quote, a rate) or one series (hourly
forecast, daily candles). Every record carries its provenance: which source, from which URL
(secrets redacted), when briefbot fetched it and what time the data itself refers to.

Connectors subclass :class:`Observation` / :class:`Series` with typed fields; the generic
accessors (:meth:`Record.values`, :attr:`Series.points`) let the packer treat any connector
alike, including third-party ones.

Building a record is the connector boundary, so a record is valid by construction: every
number is finite (NaN, inf and "nan" are refused), every time lies between 1970 and 2100,
and every text is cleaned by :func:`connectors.sanitize.clean_upstream_text`. The runtime
turns a refusal into :class:`~connectors.errors.SchemaDriftError` (exit 36), and a cache
entry that no longer validates is a miss.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from connectors.sanitize import clean_upstream_text
from connectors.shape import EARLIEST, LATEST

Scalar = float | int | str | bool | None

PROVENANCE_FIELDS = frozenset(
    {"connector", "kind", "source", "source_url", "fetched_at", "as_of", "units", "stale", "subject", "note"}
)


def _admit(value: Any) -> Any:
    """Clean text and check times, recursively through dicts and lists of plain values."""
    if isinstance(value, str):
        return clean_upstream_text(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None and not EARLIEST <= value < LATEST:
            raise ValueError(f"time {value.isoformat()} is outside 1970-2100")
        return value
    if isinstance(value, dict):
        return {_admit(k): _admit(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_admit(v) for v in value]
    return value


class Record(BaseModel):
    """Fields every record has."""

    # allow_inf_nan=False: a NaN cached once broke every answer for the cache's life.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _admitted(cls, value: Any) -> Any:
        return _admit(value)

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
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _admitted(cls, value: Any) -> Any:
        return _admit(value)

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
