"""The ledger on a real SQLite file: claims, leases, abandoned runs, recording without running."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.briefs.ledger import BriefLedger, RunStats, new_owner
from bot.errors import BriefError

SLOT = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)
NOW = SLOT + timedelta(seconds=5)


def _dead_owner() -> str:
    """The owner string of a process that has really exited."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    host, _, rest = new_owner().partition(":")
    return f"{host}:{done.stdout.strip()}:deadbeef"


def test_a_slot_is_claimed_once_then_found(tmp_path: Path) -> None:
    a = BriefLedger.open(tmp_path / "briefs.db")
    b = BriefLedger.open(tmp_path / "briefs.db")
    first = a.claim("morning", SLOT, "scheduled", "Asia/Seoul", now=NOW)
    second = b.claim("morning", SLOT, "scheduled", "Asia/Seoul", now=NOW)
    assert first.outcome == "claimed" and first.row is not None and first.row.status == "running"
    assert second.outcome == "exists" and second.row is not None and second.row.id == first.row.id
    a.finish(first.row.id, "partial", RunStats(sources_ok=3, sources_failed=1, tokens=120, cost_usd=0.0004, error="stocks: down"),
             now=NOW + timedelta(seconds=42))
    row = b.slot("morning", SLOT)
    assert row is not None
    assert (row.status, row.sources_ok, row.sources_failed, row.tokens, row.error) == ("partial", 3, 1, 120, "stocks: down")
    assert row.duration_s == 42 and row.run_key == "morning/2026-11-29T22:00:00Z"
    assert b.claim("morning", SLOT, "scheduled", "Asia/Seoul", now=NOW).outcome == "exists"


def test_a_held_lease_makes_the_next_slot_skipped_overlap_and_a_manual_run_busy(tmp_path: Path) -> None:
    a = BriefLedger.open(tmp_path / "briefs.db")
    b = BriefLedger.open(tmp_path / "briefs.db")
    running = a.claim("hourly", SLOT, "scheduled", "UTC", now=NOW)
    later = b.claim("hourly", SLOT + timedelta(hours=1), "scheduled", "UTC", now=NOW + timedelta(hours=1))
    assert later.outcome == "busy" and later.row is not None and later.row.id == running.row.id  # type: ignore[union-attr]
    overlap = b.slot("hourly", SLOT + timedelta(hours=1))
    assert overlap is not None and overlap.status == "skipped-overlap"
    manual = b.claim("hourly", NOW + timedelta(hours=1), "manual", "UTC", now=NOW + timedelta(hours=1))
    assert manual.outcome == "busy" and b.slot("hourly", NOW + timedelta(hours=1)) is None  # nothing recorded for it
    other = b.claim("other", SLOT, "scheduled", "UTC", now=NOW)
    assert other.outcome == "claimed"  # leases are per brief


def test_a_run_whose_process_died_becomes_abandoned_and_is_not_run_again(tmp_path: Path) -> None:
    crashed = BriefLedger.open(tmp_path / "briefs.db", owner=_dead_owner())
    claim = crashed.claim("morning", SLOT, "scheduled", "Asia/Seoul", now=NOW)
    assert claim.outcome == "claimed"
    crashed.close()
    survivor = BriefLedger.open(tmp_path / "briefs.db")
    again = survivor.claim("morning", SLOT, "scheduled", "Asia/Seoul", now=NOW + timedelta(minutes=1))
    assert again.outcome == "exists" and again.row is not None
    assert again.row.status == "abandoned" and "process ended" in (again.row.error or "")
    nxt = survivor.claim("morning", SLOT + timedelta(days=1), "scheduled", "Asia/Seoul", now=NOW + timedelta(days=1))
    assert nxt.outcome == "claimed"  # the dead run's lease is gone


def test_an_expired_lease_is_taken_over(tmp_path: Path) -> None:
    slow = BriefLedger.open(tmp_path / "briefs.db")  # alive, but past its lease (another host's view)
    slow.claim("morning", SLOT, "scheduled", "UTC", now=NOW, lease=timedelta(minutes=30))
    other = BriefLedger.open(tmp_path / "briefs.db")
    assert other.claim("morning", SLOT + timedelta(minutes=10), "scheduled", "UTC", now=NOW + timedelta(minutes=10)).outcome == "busy"
    taken = other.claim("morning", SLOT + timedelta(hours=1), "scheduled", "UTC", now=NOW + timedelta(hours=1))
    assert taken.outcome == "claimed"
    assert other.slot("morning", SLOT).status == "abandoned"  # type: ignore[union-attr]
    slow.finish(1, "succeeded", RunStats(), now=NOW + timedelta(hours=2))  # too late: the row stays abandoned
    assert other.slot("morning", SLOT).status == "abandoned"  # type: ignore[union-attr]


def test_record_keeps_the_first_state_of_a_slot(tmp_path: Path) -> None:
    ledger = BriefLedger.open(tmp_path / "briefs.db")
    slots = [SLOT + timedelta(hours=h) for h in range(3)]
    assert ledger.record("h", slots, "missed", "scheduled", "UTC", now=NOW) == 3
    assert ledger.record("h", slots, "skipped-policy", "scheduled", "UTC", now=NOW) == 0
    assert {r.status for r in ledger.runs("h")} == {"missed"}
    assert ledger.last_slot("h") == slots[-1]
    with pytest.raises(ValueError):
        ledger.record("h", slots, "succeeded", "scheduled", "UTC", now=NOW)


def test_the_file_is_private_in_wal_mode_and_a_damaged_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "data" / "briefs.db"
    BriefLedger.open(path).close()
    assert path.stat().st_mode & 0o077 == 0
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"brief_runs", "brief_leases", "brief_ledger_migrations"} <= tables
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BriefError, match="bad.db") as caught:
        BriefLedger.open(bad)
    assert caught.value.exit_code == 60 and "move it aside" in (caught.value.hint or "")


def test_a_reused_pid_is_not_mistaken_for_the_owner(tmp_path: Path) -> None:
    import os
    import socket

    from bot.briefs.ledger import owner_alive

    assert owner_alive(new_owner())
    assert not owner_alive(f"{socket.gethostname()}:{os.getpid()}:1:cafe0000")  # our pid, another process's start time
    assert not owner_alive(_dead_owner())
    assert owner_alive("some-other-host:1:1:cafe0000")  # only the lease's expiry can tell for another machine
