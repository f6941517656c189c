"""Helpers for the brief tests: a fake clock, briefs built in code, a recording work function."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.briefs.definitions import BriefBook, BriefDefinition
from bot.briefs.document import BriefDocument
from bot.briefs.ledger import RunRow, RunStats
from bot.briefs.runner import RunOutcome
from bot.briefs.schedule import BriefSchedule
from bot.briefs.sources import BriefSource


class FakeClock:
    """The scheduler's clock and sleep: sleeping moves time, nothing waits."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.naps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.now += timedelta(seconds=seconds)


def make_brief(name: str = "morning", cron: str = "0 7 * * 1-5", zone: str = "Asia/Seoul", *,
               catch_up: str = "latest", max_lateness: timedelta = timedelta(hours=2)) -> BriefDefinition:
    return BriefDefinition(
        name=name, schedule=BriefSchedule.parse(cron, zone), sources=(BriefSource("fx", {"base": "USD", "symbols": "KRW"}),),
        language="en", instructions="Summarise.", template=None, summary="none", catch_up=catch_up,  # type: ignore[arg-type]
        max_lateness=max_lateness, targets=(), file=Path("/nowhere/briefs.toml"),
    )


def book(*briefs: BriefDefinition) -> BriefBook:
    return BriefBook(file=Path("/nowhere/briefs.toml"), briefs={b.name: b for b in briefs})


@dataclass
class RecordingWork:
    """Stands in for fetch → deliver: notes each run; ``takes`` moves the fake clock meanwhile."""

    clock: FakeClock
    takes: timedelta = timedelta(seconds=20)
    runs: list[tuple[str, datetime, str]] = field(default_factory=list)

    def __call__(self, brief: BriefDefinition, row: RunRow) -> RunOutcome:
        self.runs.append((brief.name, row.slot_utc, row.kind))
        self.clock.now += self.takes
        doc = BriefDocument(brief=brief.name, run_key=row.run_key, title=brief.name, language="en", slot_utc=row.slot_utc,
                            summary=None, figures="Sources:\n- fx")
        return RunOutcome("succeeded", RunStats(sources_ok=1), doc)
