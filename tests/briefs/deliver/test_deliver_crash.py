"""SIGKILL a delivering process at seeded random points, then finish the runs: no part is
accepted twice except where the service cannot deduplicate (counted), the database is sound."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

from deliver_receivers import Receivers

from bot.briefs.targets import delivery_reports

CHILD = Path(__file__).with_name("deliver_crash_child.py")
REPO = Path(__file__).resolve().parents[3]
SEED = 20261128
KILLS_WANTED = 20
RUNS = 8


def start_child(db: Path, url: str, archive: Path, run_key: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{CHILD.parent}"}
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(db), url, str(archive), run_key],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready", process.stderr.read() if process.stderr else ""
    return process


def test_sigkill_at_random_points_never_delivers_an_accepted_part_again(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    db, archive = tmp_path / "briefbot.db", tmp_path / "archive"
    run_keys = [f"morning/2026-11-{day:02d}T22:00Z" for day in range(1, RUNS + 1)]
    kills = 0
    # Latency after a message is accepted: the window where the service has it and we do not know yet.
    with Receivers(latency=0.03) as receivers:
        for run_key in run_keys:
            while kills < KILLS_WANTED:
                child = start_child(db, receivers.url, archive, run_key)
                try:
                    child.wait(timeout=rng.uniform(0.0, 0.4))
                    break  # this run finished before its kill point
                except subprocess.TimeoutExpired:
                    child.send_signal(signal.SIGKILL)
                    child.wait()
                    kills += 1
        for run_key in run_keys:  # finish every run, killed or not
            child = start_child(db, receivers.url, archive, run_key)
            assert child.wait(timeout=120) == 0, child.stderr.read() if child.stderr else ""

        accepted = list(receivers.accepted)
        refused_again = list(receivers.duplicates)

    assert kills >= KILLS_WANTED
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute("SELECT kind, status, crash_resends FROM delivery_outbox").fetchall()
    assert {status for _, status, _ in rows} == {"accepted"}
    for run_key in run_keys:
        assert {r.status for r in delivery_reports(db, run_key)} == {"delivered"}

    resends = Counter[str]()
    for kind, _, crash_resends in rows:
        resends[kind] += crash_resends
    assert sum(resends.values()) > 0, "no kill landed between a request and its commit: the test proved nothing"
    parts = Counter(kind for kind, _, _ in rows)
    seen = Counter((a.service, a.request_key) for a in accepted)
    for service in ("slack", "discord", "telegram", "webhook"):
        unique = sum(1 for (s, _) in seen if s == service)
        duplicated = sum(n - 1 for (s, _), n in seen.items() if s == service)
        assert unique == parts[service], f"{service}: every part arrives"
        # A duplicate is only possible for a part whose row was found 'sending' after a kill.
        assert duplicated <= resends[service], f"{service}: {duplicated} duplicates, {resends[service]} crash resends"
    # The webhook receiver deduplicates on webhook-id: what it dropped were crash resends.
    assert sum(1 for (s, _) in seen if s == "webhook") == RUNS and len(refused_again) <= resends["webhook"]
    assert len(list(archive.glob("*.md"))) == RUNS and not list(archive.glob(".*.tmp"))
    duplicates = {s: sum(n - 1 for (x, _), n in seen.items() if x == s) for s in ("slack", "discord", "telegram")}
    print(f"\nSIGKILL x{kills}: crash resends {dict(resends)}; duplicates shown to chat readers {duplicates}; "
          f"webhook resends dropped by the receiver's id check: {len(refused_again)}")
