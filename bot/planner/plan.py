"""The plan: which connectors a question needs, with which params, and why.

A plan is data, not behaviour: the rules planner and the tool-calling planner both produce
one, ``briefbot context --plan`` prints one, and the fetch stage consumes one. Params are
strings because they are exactly what a user would type after ``briefbot fetch NAME``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["ko", "en"]


@dataclass(frozen=True)
class PlanStep:
    connector: str
    params: dict[str, str]
    reason: str = ""

    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Identity of the request (reason excluded), used to drop duplicate steps."""
        return self.connector, tuple(sorted(self.params.items()))

    def as_cli(self) -> str:
        return " ".join([self.connector, *(f"{k}={v}" for k, v in self.params.items())])

    def to_json(self) -> dict[str, object]:
        return {"connector": self.connector, "params": dict(self.params), "reason": self.reason}


@dataclass(frozen=True)
class Plan:
    steps: list[PlanStep]
    confident: bool
    lang: Lang
    # What the question asks about beyond the connector: "rain", "humidity", "convert", ...
    # The packer uses these to keep only the fields the question needs.
    topics: frozenset[str] = field(default_factory=frozenset)
    # A money amount the user asked to convert, e.g. (100.0, "USD") for "100달러는 몇 원?".
    amount: tuple[float, str] | None = None
    # The currency a conversion asks for ("to dollars", "엔화로"); None: KRW for a foreign
    # amount, USD for won (the packer's default).
    target: str | None = None
    unresolved: list[str] = field(default_factory=list)  # why confidence is low
    # What the question is about, in the connectors' declared domains ("weather", "finance"),
    # even when no step could be planned: the tool planner offers the connectors of these.
    domains: frozenset[str] = field(default_factory=frozenset)

    def to_json(self) -> dict[str, object]:
        return {
            "lang": self.lang,
            "confident": self.confident,
            "steps": [s.to_json() for s in self.steps],
            "topics": sorted(self.topics),
            "amount": list(self.amount) if self.amount else None,
            "target": self.target,
            "unresolved": list(self.unresolved),
        }

    def describe(self) -> str:
        lines = [f"plan ({'confident' if self.confident else 'not confident'}, lang={self.lang}):"]
        if not self.steps:
            lines.append("  (no data source matched)")
        for step in self.steps:
            lines.append(f"  - {step.as_cli()}    # {step.reason}")
        for why in self.unresolved:
            lines.append(f"  ? {why}")
        return "\n".join(lines)
