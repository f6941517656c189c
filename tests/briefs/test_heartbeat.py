"""A run longer than its lease keeps the lease while it is alive (the heartbeat renews it), and
a run whose lease was taken over while it was stalled stays abandoned.

Real SQLite files; first a run on a thread with a clock the test moves by hand, then real
``briefbot brief run`` processes on a fast simulated clock.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.briefs.execution import SlotResult, run_slot
from bot.briefs.heartbeat import LeaseHeartbeat, LeasePolicy
from bot.briefs.ledger import DEFAULT_LEASE, BriefLedger, RunRow, RunStats, parse_stamp
from bot.briefs.runner import RunOutcome
from bot.briefs.definitions import BriefDefinition
from bot.briefs.document import BriefDocument
from tests.briefs.support import FakeClock, make_brief
from tests.conftest import scratch_env
from tests.support.held_upstream import held_upstream

WAIT = 60.0  # hang guard only; every wait below is for an event
SLOT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
LEASE = timedelta(minutes=30)


def wait_until(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def lease_expiry(db: Path, run_id: int) -> datetime | None:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT expires_at FROM brief_leases WHERE run_id = ?", (run_id,)).fetchone()
    return parse_stamp(row[0]) if row else None


class HeldWork:
    """A run that goes on until the test ends it."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.finish = threading.Event()

    def __call__(self, brief: BriefDefinition, row: RunRow) -> RunOutcome:
        self.started.set()
        assert self.finish.wait(WAIT), "the test never ended the run"
        doc = BriefDocument(brief=brief.name, run_key=row.run_key, title=brief.name, language="en", slot_utc=row.slot_utc,
                            summary=None, figures="Sources:\n- fx")
        return RunOutcome("succeeded", RunStats(sources_ok=1), doc)


def test_a_run_longer_than_its_lease_keeps_it_and_the_brief_stays_busy(tmp_path: Path) -> None:
    db = tmp_path / "briefs.db"
    clock = FakeClock(SLOT)
    brief = make_brief("hourly", cron="0 * * * *", zone="UTC")
    work = HeldWork()
    # Renewals every few milliseconds of real time, each stamped by the hand-moved clock.
    policy = LeasePolicy(length=LEASE, pace=LEASE.total_seconds() / 3 / 0.005)
    results: list[SlotResult] = []

    def run() -> None:
        with BriefLedger.open(db) as runner:  # a connection belongs to the thread that opened it
            results.append(run_slot(runner, brief, SLOT, "scheduled", work, clock=clock, lease=policy))

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert work.started.wait(WAIT)
        [row] = BriefLedger.open(db).runs()
        for _ in range(5):  # 100 minutes of run: more than three leases' worth
            clock.now += timedelta(minutes=20)
            wait_until(lambda: lease_expiry(db, row.id) == clock.now + LEASE, "the lease to be renewed")
        other = BriefLedger.open(db)
        later = other.claim("hourly", SLOT + timedelta(hours=1), "scheduled", "UTC", now=clock.now)
        assert later.outcome == "busy" and later.row is not None and later.row.id == row.id
        assert other.slot("hourly", SLOT).status == "running"  # type: ignore[union-attr]
    finally:
        work.finish.set()
        thread.join(WAIT)
    [result] = results
    assert result.row is not None and result.row.status == "succeeded"
    assert lease_expiry(db, row.id) is None  # freed at the end, and no renewal came after


def test_a_lease_taken_over_while_the_run_was_stalled_is_not_renewed_back(tmp_path: Path) -> None:
    db = tmp_path / "briefs.db"
    clock = FakeClock(SLOT)
    stalled = BriefLedger.open(db)
    mine = stalled.claim("hourly", SLOT, "scheduled", "UTC", now=clock.now, lease=LEASE)
    assert mine.row is not None
    # The process was suspended past its lease; another runner reaped the run and took the brief.
    clock.now += timedelta(hours=1)
    other = BriefLedger.open(db)
    theirs = other.claim("hourly", SLOT + timedelta(hours=1), "scheduled", "UTC", now=clock.now, lease=LEASE)
    assert theirs.outcome == "claimed" and theirs.row is not None
    their_expiry = lease_expiry(db, theirs.row.id)
    heartbeat = LeaseHeartbeat(db, stalled.owner, mine.row.id, policy=LeasePolicy(LEASE, pace=1e6), clock=clock)
    with heartbeat:  # the process wakes up and its heartbeat tries again
        clock.now += timedelta(minutes=5)
        wait_until(lambda: heartbeat.lost, "the heartbeat to find its lease gone")
    stalled.finish(mine.row.id, "succeeded", RunStats(), now=clock.now)
    assert other.slot("hourly", SLOT).status == "abandoned"  # type: ignore[union-attr]
    assert lease_expiry(db, theirs.row.id) == their_expiry  # the other run's lease is untouched


BRIEF_TOML = """
[morning]
schedule = "0 7 * * 1-5"
timezone = "Asia/Seoul"
sources = ["fx base=USD symbols=EUR"]
language = "en"
summary = "none"
"""


def test_a_brief_run_longer_than_its_lease_is_not_taken_over_by_another_process(tmp_path: Path) -> None:
    # A simulated clock 1,200 times faster than real time: the 3-hour lease lasts 9 real seconds.
    rate, anchor = 1200.0, time.time()
    start = datetime(2026, 11, 29, 21, 59, 50, tzinfo=UTC)

    def simulated_now() -> datetime:
        return start + timedelta(seconds=(time.time() - anchor) * rate)

    with held_upstream("frankfurter/v1_latest_base_usd_symbols_eur_captured_2026-07-30.json", hold=1) as upstream:
        env = scratch_env(tmp_path, BRIEFBOT_HTTP_REWRITE=f"https://api.frankfurter.dev={upstream.url}",
                          BRIEFBOT_BRIEFS_CLOCK=f"{start.isoformat()}@{rate}@{anchor}",
                          BRIEFBOT_HTTP_TIMEOUT="600", BRIEFBOT_HTTP_DEADLINE="600")
        config = Path(env["XDG_CONFIG_HOME"]) / "briefbot"
        config.mkdir(parents=True)
        (config / "briefs.toml").write_text(BRIEF_TOML, encoding="utf-8")
        db = Path(env["XDG_DATA_HOME"]) / "briefbot" / "briefs.db"
        command = [sys.executable, "-m", "bot", "brief", "run", "morning"]
        long_run = subprocess.Popen([*command, "--slot", "2026-11-30T07:00+09:00", "--json"], env=env, cwd=tmp_path,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_until(upstream.arrived.is_set, "the run's fetch to be held")
            with BriefLedger.open(db) as ledger:
                [row] = ledger.runs()
            assert row.started_at is not None
            # Past the lease the run was claimed with, and then one more renewal period.
            wait_until(lambda: simulated_now() > row.started_at + DEFAULT_LEASE + DEFAULT_LEASE / 3, "the lease's first end")
            manual = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=WAIT)
        finally:
            upstream.release()
            out, err = long_run.communicate(timeout=WAIT)
    assert manual.returncode == 60, manual.stderr
    assert "morning is already running" in manual.stderr
    assert long_run.returncode == 0, err
    assert json.loads(out)["status"] == "succeeded"
    with BriefLedger.open(db) as ledger:
        assert [(r.kind, r.status) for r in ledger.runs()] == [("scheduled", "succeeded")]
