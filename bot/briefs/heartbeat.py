"""Keeping a claimed run's lease alive for as long as the run goes on.

A lease ends at its ``expires_at``; without renewal, a run longer than the lease would be
reaped as abandoned and its brief taken over by another runner while it was still working.
:class:`LeaseHeartbeat` is a thread that renews the lease every third of its length while the
run lasts (two renewals may fail, e.g. on a busy database, before the lease runs out). It has
its own SQLite connection (a connection belongs to the thread that opened it) and is stopped
before the run's row is closed.

If a renewal finds the lease gone (the process was stalled, suspended or SIGSTOPped, past the
expiry and another runner took over), it stops renewing: the run's row is already abandoned
and stays so; :meth:`BriefLedger.finish` never reopens it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

from bot.briefs.ledger import DEFAULT_LEASE, BriefLedger
from bot.errors import BriefError


@dataclass(frozen=True)
class LeasePolicy:
    """A lease's length in the scheduler's clock time, and how many clock seconds pass per real
    second (a simulated clock, ``BRIEFBOT_BRIEFS_CLOCK=START@RATE``, runs RATE times faster)."""

    length: timedelta = DEFAULT_LEASE
    pace: float = 1.0

    @property
    def renew_every(self) -> float:
        """Real seconds between renewals: a third of the lease."""
        return self.length.total_seconds() / 3 / self.pace


class LeaseHeartbeat:
    """``with LeaseHeartbeat(...): run()`` renews run ``run_id``'s lease until the block ends."""

    def __init__(self, path: Path, owner: str, run_id: int, *, policy: LeasePolicy,
                 clock: Callable[[], datetime]) -> None:
        self.path = path
        self.owner = owner
        self.run_id = run_id
        self.policy = policy
        self.clock = clock
        self.renewals = 0
        self.lost = False  # a renewal found the lease taken over
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"briefbot-lease-{run_id}", daemon=True)

    def __enter__(self) -> LeaseHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()  # a renewal in progress ends before the caller closes the row

    def _beat(self) -> None:
        ledger: BriefLedger | None = None
        try:
            while not self._stop.wait(self.policy.renew_every):
                try:
                    ledger = ledger or BriefLedger.open(self.path, owner=self.owner)
                    if not ledger.renew(self.run_id, now=self.clock(), lease=self.policy.length):
                        self.lost = True
                        return
                    self.renewals += 1
                except BriefError:
                    continue  # locked or unreadable for a moment: the next beat comes well before the expiry
        finally:
            if ledger is not None:
                ledger.close()
