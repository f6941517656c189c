"""The fixed question set and a fetcher that answers plan steps from recorded payloads."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.errors import ConnectorError
from bot.grounded import StepFetcher
from bot.planner.plan import PlanStep
from connectors.records import Record
from prompts.packer import SourceFailure
from tests.grounding.payload_records import BUILDERS, Exchanges

QUESTIONS_FILE = Path(__file__).parent / "questions.json"


@dataclass(frozen=True)
class Question:
    id: str
    q: str
    lang: str
    confident: bool
    now: datetime
    steps: list[tuple[str, dict[str, str]]]
    data: dict[str, str]
    facts: list[str]


def load_questions(path: Path = QUESTIONS_FILE) -> list[Question]:
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return [
        Question(
            id=q["id"], q=q["q"], lang=q["lang"], confident=q["confident"],
            now=datetime.fromisoformat(q["now"].replace("Z", "+00:00")),
            steps=[(c, dict(p)) for c, p in q["steps"]], data=dict(q["data"]), facts=list(q["facts"]),
        )
        for q in raw["questions"]
    ]


class RecordedFetcher(StepFetcher):
    """Answers each step by running its connector with the step's own params over the
    recorded bodies its builder names; an unmapped step fails as NotFound. ``exchanges``
    collects every upstream request and the body it got (the raw-payload baseline)."""

    def __init__(self, data: dict[str, str], fetched_at: datetime, builders: Mapping[str, Any] = BUILDERS) -> None:
        self.data = data
        self.builders = builders
        self.fetched_at = fetched_at
        self.calls: list[list[PlanStep]] = []
        self.exchanges: Exchanges = []

    def fetch_each(self, steps: Sequence[PlanStep]) -> list[tuple[list[Record], SourceFailure | None]]:
        self.calls.append(list(steps))
        out: list[tuple[list[Record], SourceFailure | None]] = []
        for step in steps:
            builder = self.data.get(step.as_cli())
            if builder is None:
                out.append(([], SourceFailure(step.connector, dict(step.params), "no recorded payload for this request", "NotFound")))
            else:
                try:
                    records = self.builders[builder](self.fetched_at, step.params, self.exchanges)
                except ConnectorError as exc:  # as the real fetcher reports a step that failed
                    out.append(([], SourceFailure(step.connector, dict(step.params), exc.message, type(exc).__name__)))
                    continue
                out.append((records, None))
        return out

