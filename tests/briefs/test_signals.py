"""SIGTERM ends a brief run or the scheduler cleanly, and the ledger says what happened."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.briefs.ledger import BriefLedger
from tests.briefs.upstream import brief_env, replay


def _wait_for_running(db: Path, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if db.exists():
            with BriefLedger.open(db) as ledger:
                if any(r.status == "running" for r in ledger.runs()):
                    return
        time.sleep(0.05)
    raise AssertionError("no run started")


def test_sigterm_mid_run_records_it_abandoned(tmp_path: Path) -> None:
    with replay() as server:
        server.latency = 1.5  # the fetch is slow: the signal lands inside the run
        env = brief_env(tmp_path, server)
        db = Path(env["XDG_DATA_HOME"]) / "briefbot" / "briefs.db"
        proc = subprocess.Popen([sys.executable, "-m", "bot", "brief", "run", "morning", "--slot", "2026-11-30T07:00+09:00"],
                                env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_for_running(db, proc)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "stopped by SIGTERM: the run was recorded as abandoned" in err and "Traceback" not in err
    with BriefLedger.open(db) as ledger:
        [row] = ledger.runs()
    assert row.status == "abandoned" and row.error == "stopped by SIGTERM during the run" and row.finished_at is not None


def test_serve_finishes_the_current_run_on_sigterm_then_stops(tmp_path: Path) -> None:
    start = datetime(2026, 12, 1, 0, 9, 50, tzinfo=UTC)
    with replay() as server:
        server.latency = 1.0
        env = brief_env(tmp_path, server, schedule="*/10 * * * *",
                        BRIEFBOT_BRIEFS_CLOCK=f"{start.isoformat()}@1@{time.time()}")
        db = Path(env["XDG_DATA_HOME"]) / "briefbot" / "briefs.db"
        proc = subprocess.Popen([sys.executable, "-m", "bot", "brief", "serve", "--until", (start + timedelta(hours=1)).isoformat()],
                                env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_for_running(db, proc)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopped after finishing the current run" in err
    with BriefLedger.open(db) as ledger:
        [row] = ledger.runs()
    assert row.slot_utc == datetime(2026, 12, 1, 0, 10, tzinfo=UTC) and row.status == "partial"  # finished, the stock source is missing


def test_serve_idle_stops_at_once_on_sigint(tmp_path: Path) -> None:
    with replay() as server:
        env = brief_env(tmp_path, server)
        proc = subprocess.Popen([sys.executable, "-m", "bot", "brief", "serve"], env=env, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        assert "serving 1 brief(s)" in proc.stderr.readline()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "stopped by SIGINT" in err and "Traceback" not in err
