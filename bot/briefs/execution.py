"""Running one slot under the ledger: claim → run → record the outcome, whatever happens.

Used alike by ``brief serve``, ``brief run --slot/--due`` and a manual ``brief run``: the
claim is the only door to a run, and every exit from a claimed run closes its row —
succeeded / partial / failed from the run's outcome, failed on an error, abandoned when the
process is being stopped (SIGTERM, SIGINT) mid-run, which is re-raised so the process ends.
While the run works, a heartbeat thread renews its lease (:mod:`bot.briefs.heartbeat`).
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING, Literal

from bot.briefs.heartbeat import LeaseHeartbeat, LeasePolicy
from bot.briefs.ledger import BriefLedger, Kind, RunRow, RunStats
from bot.errors import BriefbotError

if TYPE_CHECKING:
    from bot.briefs.definitions import BriefDefinition
    from bot.briefs.runner import RunOutcome

Work = Callable[["BriefDefinition", RunRow], "RunOutcome"]


class Stopped(BaseException):
    """The process was asked to stop (SIGTERM/SIGINT). A BaseException, like KeyboardInterrupt,
    so no ``except Exception`` in a connector or backend swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass(frozen=True)
class SlotResult:
    outcome: Literal["ran", "exists", "busy"]
    row: RunRow | None  # the slot's row after the call (for "busy": the running one)
    run: RunOutcome | None = None
    error: BriefbotError | None = None  # why a claimed run failed


def run_slot(
    ledger: BriefLedger,
    brief: BriefDefinition,
    slot: datetime,
    kind: Kind,
    work: Work,
    *,
    clock: Callable[[], datetime],
    scrub: Callable[[str], str] = lambda text: text,
    lease: LeasePolicy = LeasePolicy(),
) -> SlotResult:
    claim = ledger.claim(brief.name, slot, kind, brief.schedule.timezone, now=clock(), lease=lease.length)
    if claim.outcome == "busy":
        return SlotResult("busy", claim.row)
    if claim.outcome == "exists" or claim.row is None:
        return SlotResult("exists", ledger.slot(brief.name, slot))
    row = claim.row
    try:
        with LeaseHeartbeat(ledger.path, ledger.owner, row.id, policy=lease, clock=clock):
            outcome = work(brief, row)
    except (Stopped, KeyboardInterrupt, SystemExit) as exc:
        ledger.finish(row.id, "abandoned", RunStats(error=f"stopped by {exc or type(exc).__name__} during the run"), now=clock())
        raise
    except BriefbotError as exc:
        ledger.finish(row.id, "failed", RunStats(error=scrub(str(exc.message))), now=clock())
        return SlotResult("ran", ledger.slot(brief.name, row.slot_utc), error=exc)
    except Exception as exc:  # noqa: BLE001 - recorded as failed; the caller decides what to say
        wrapped = BriefbotError(scrub(f"unexpected {type(exc).__name__}: {exc}"), hint="this is a bug in briefbot; --debug shows the traceback")
        wrapped.__cause__ = exc
        ledger.finish(row.id, "failed", RunStats(error=wrapped.message), now=clock())
        return SlotResult("ran", ledger.slot(brief.name, row.slot_utc), error=wrapped)
    stats = outcome.stats
    if stats.error:
        stats = RunStats(stats.sources_ok, stats.sources_failed, stats.tokens, stats.cost_usd, scrub(stats.error))
    ledger.finish(row.id, outcome.status, stats, now=clock())
    return SlotResult("ran", ledger.slot(brief.name, row.slot_utc), run=outcome)


class StopSignals:
    """SIGTERM/SIGINT handling: idle → stop now; mid-run → finish the run, then stop; a second
    signal mid-run → stop now (the run is recorded abandoned by :func:`run_slot`)."""

    def __init__(self) -> None:
        self.requested: int | None = None
        self.busy = False
        self._previous: dict[int, object] = {}

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.busy and self.requested is None:
            self.requested = signum
            return
        self.requested = signum
        raise Stopped(signum)
