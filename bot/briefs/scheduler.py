"""The scheduler: which slots of a brief are due now, and the ``serve`` loop over all briefs.

Pending slots are computed from the ledger (the newest recorded slot of the brief), never
from memory, so a restart, a second scheduler or a cron ``--due`` call all see the same
past. Of the pending slots:

* those that fell inside the brief's last finished run are ``skipped-overlap``;
* of the rest, the newest one that came while this scheduler was up runs ("scheduled");
* otherwise (downtime) ``catch_up = "latest"`` runs the newest one if it is within
  ``max_lateness`` ("catch-up"); every slot not run is ``missed`` (latest) or
  ``skipped-policy`` (skip).

Clock and sleep are parameters: tests drive a week, DST days and downtime in a blink.
``reload`` (``serve``'s :class:`bot.briefs.reload.BookReloader`) may swap the briefs before a
tick; a brief that is new or rescheduled then counts as up since that tick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.briefs.definitions import BriefBook, BriefDefinition
from bot.briefs.execution import SlotResult, StopSignals, Work, run_slot
from bot.briefs.heartbeat import LeasePolicy
from bot.briefs.ledger import BriefLedger, Kind, RunRow
from bot.briefs.reload import restarted_briefs

MAX_NAP = timedelta(seconds=60)  # wake at least this often: a suspended laptop or a clock step is noticed


@dataclass(frozen=True)
class DuePlan:
    run: tuple[datetime, Kind] | None
    not_run: list[datetime] = field(default_factory=list)  # missed or skipped-policy
    not_run_status: str = "missed"
    overlap: list[datetime] = field(default_factory=list)


def plan_due(brief: BriefDefinition, last_slot: datetime | None, last_run: RunRow | None, *,
             now: datetime, up_since: datetime) -> DuePlan:
    """Decide what to do with the slots after ``last_slot`` up to ``now``."""
    # A brief with no recorded slot starts at ``up_since`` (inclusive): no invented past.
    lower = last_slot if last_slot is not None else min(up_since, now) - timedelta(seconds=1)
    pending = brief.schedule.slots_between(lower, now)
    overlap: list[datetime] = []
    if last_run is not None and last_run.started_at is not None and last_run.finished_at is not None:
        started, finished = last_run.started_at, last_run.finished_at
        overlap = [s for s in pending if started < s <= finished]
    candidates = [s for s in pending if s not in overlap]
    live = [s for s in candidates if s >= up_since]
    not_run_status = "skipped-policy" if brief.catch_up == "skip" else "missed"
    run: tuple[datetime, Kind] | None = None
    if live:
        run = (live[-1], "scheduled")
        not_run_status = "missed"  # slots passed over while up are not a policy decision
    elif candidates and brief.catch_up == "latest" and now - candidates[-1] <= brief.max_lateness:
        run = (candidates[-1], "catch-up")
    not_run = [s for s in candidates if run is None or s != run[0]]
    return DuePlan(run, not_run, not_run_status, overlap)


@dataclass
class BriefScheduler:
    book: BriefBook
    ledger: BriefLedger
    work: Work
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    log: Callable[[str], None] = lambda line: None
    scrub: Callable[[str], str] = lambda text: text
    signals: StopSignals | None = None
    up_since: datetime | None = None
    max_nap: timedelta = MAX_NAP
    lease: LeasePolicy = field(default_factory=LeasePolicy)
    reload: Callable[[], BriefBook | None] | None = None
    up_since_by_brief: dict[str, datetime] = field(default_factory=dict)  # briefs (re)scheduled while up

    def due(self, brief: BriefDefinition, *, up_since: datetime | None = None) -> list[SlotResult]:
        """Record what is not run and run what is due for one brief, now."""
        now = self.clock()
        since = up_since or self.up_since_by_brief.get(brief.name) or self.up_since or now
        plan = plan_due(brief, self.ledger.last_slot(brief.name), self.ledger.last_run(brief.name), now=now,
                        up_since=since)
        if plan.overlap:
            self.ledger.record(brief.name, plan.overlap, "skipped-overlap", "scheduled", brief.schedule.timezone, now=now,
                               error="the previous run was still going")
            self.log(f"{brief.name}: {len(plan.overlap)} slot(s) skipped: the previous run was still going")
        if plan.not_run:
            self.ledger.record(brief.name, plan.not_run, plan.not_run_status, "scheduled", brief.schedule.timezone, now=now)
            self.log(f"{brief.name}: {len(plan.not_run)} slot(s) recorded as {plan.not_run_status}")
        if plan.run is None:
            return []
        slot, kind = plan.run
        if self.signals is not None:
            self.signals.busy = True
        try:
            result = run_slot(self.ledger, brief, slot, kind, self.work, clock=self.clock, scrub=self.scrub, lease=self.lease)
        finally:
            if self.signals is not None:
                self.signals.busy = False
        self.log(describe(brief, slot, kind, result))
        return [result]

    def tick(self) -> list[SlotResult]:
        self._reload()
        self.ledger.reap(self.clock())
        results: list[SlotResult] = []
        for brief in self.book.briefs.values():
            results += self.due(brief)
            if self.signals is not None and self.signals.requested is not None:
                break
        return results

    def _reload(self) -> None:
        book = self.reload() if self.reload is not None else None
        if book is None:
            return
        now = self.clock()
        for name in restarted_briefs(self.book, book):
            self.up_since_by_brief[name] = now
        self.book = book

    def next_wakeup(self, now: datetime) -> datetime:
        upcoming = [next(b.schedule.slots_after(max(now, self.ledger.last_slot(b.name) or now))) for b in self.book.briefs.values()]
        return min([*upcoming, now + self.max_nap])

    def serve(self, *, until: datetime | None = None) -> None:
        """Run until ``until`` (tests), or until a stop signal arrives."""
        self.up_since = self.clock()
        while until is None or self.clock() <= until:
            ran = self.tick()
            if self.signals is not None and self.signals.requested is not None:
                return
            if ran:
                continue  # a run took time: look again at once (slots it overlapped are recorded now)
            now = self.clock()
            wake = self.next_wakeup(now)
            if until is not None and wake > until:
                return
            self.sleep(max(0.0, (wake - now).total_seconds()))


def describe(brief: BriefDefinition, slot: datetime, kind: str, result: SlotResult) -> str:
    local = brief.schedule.local(slot).isoformat(timespec="minutes")
    if result.outcome == "exists":
        state = result.row.status if result.row else "recorded"
        return f"{brief.name} {local}: already {state} (another process ran it)"
    if result.outcome == "busy":
        return f"{brief.name} {local}: skipped, another run of {brief.name} is still going"
    row = result.row
    status = row.status if row else "?"
    extra = f" — {result.error.message}" if result.error else (f" — {row.error}" if row and row.error else "")
    return f"{brief.name} {local} ({kind}): {status}{extra}"
