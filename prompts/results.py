"""What packing returns: the packed context, the sources it cites and the sources that failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prompts.facts import Fact

@dataclass(frozen=True)
class SourceFailure:
    """A planned fetch that produced no record (the reader must be told)."""

    connector: str
    params: dict[str, str]
    message: str
    error: str = ""  # exception class name, e.g. "NotFound"

    def describe(self) -> str:
        args = " ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.connector} {args}".strip()

    def to_json(self) -> dict[str, Any]:
        return {"connector": self.connector, "params": dict(self.params), "error": self.error, "message": self.message}


@dataclass(frozen=True)
class SourceRef:
    connector: str
    kind: str
    subject: str
    source: str
    source_url: str
    fetched_at: datetime
    as_of: datetime
    as_of_text: str  # in the place's / market's zone
    age_seconds: float
    age_text: str
    stale: bool
    note: str | None = None
    headline: str = ""  # the record's main figures, for the sources block

    def to_json(self) -> dict[str, Any]:
        return {
            "connector": self.connector,
            "kind": self.kind,
            "subject": self.subject,
            "source": self.source,
            "source_url": self.source_url,
            "fetched_at": self.fetched_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "as_of_local": self.as_of_text,
            "age_seconds": round(self.age_seconds),
            "stale": self.stale,
            "note": self.note,
            "figures": self.headline,
        }


@dataclass(frozen=True)
class PackedContext:
    text: str
    tokens: int
    budget: int
    sources: list[SourceRef]
    facts: list[Fact]
    failures: list[SourceFailure] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)  # blocks dropped for the budget
    level: int = 0  # detail level that fitted (0 = full)
    lang: str = "en"
    derived_text: list[str] = field(default_factory=list)  # conversion / comparison lines

    @property
    def fits(self) -> bool:
        return self.tokens <= self.budget
