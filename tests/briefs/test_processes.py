"""Real ``briefbot brief`` processes against one briefs.db: idempotent --slot/--due, two
schedulers and cron's --due racing for the same slots, and SIGKILL at random points."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.briefs.ledger import BriefLedger
from tests.briefs.upstream import brief_env, replay
from tests.conftest import RunCli
from tests.support.openai_server import OpenAIServer

KEY = "sk-test-BRIEFS0123456789abcdefWXYZ"
RAN = ("succeeded", "partial", "failed")


def _ledger_rows(env: dict[str, str]) -> list:
    with BriefLedger.open(Path(env["XDG_DATA_HOME"]) / "briefbot" / "briefs.db") as ledger:
        return ledger.runs()


def test_slot_and_due_run_once_and_say_so_after(tmp_path: Path, run_cli: RunCli) -> None:
    with replay() as server:
        env = brief_env(tmp_path, server)
        first = run_cli(env, "brief", "run", "morning", "--slot", "2026-11-30T07:00+09:00", "--json")
        assert first.returncode == 0, first.stderr
        data = json.loads(first.stdout)
        assert (data["outcome"], data["kind"], data["status"], data["sources_ok"], data["sources_failed"]) == ("ran", "scheduled", "partial", 3, 1)
        assert data["slot_utc"] == "2026-11-29T22:00:00+00:00" and data["slot_local"] == "2026-11-30T07:00:00+09:00"
        again = run_cli(env, "brief", "run", "morning", "--slot", "2026-11-29T22:00Z")
        assert again.returncode == 0 and "already partial; not run again" in again.stdout
        off = run_cli(env, "brief", "run", "morning", "--slot", "2026-11-30T07:05+09:00")
        assert off.returncode == 2 and "is not a run time of morning" in off.stderr and "2026-12-01T07:00:00+09:00" in off.stderr

        due_env = {**env, "BRIEFBOT_BRIEFS_CLOCK": "2026-12-01T07:10+09:00@1"}
        due = run_cli(due_env, "brief", "run", "morning", "--due")
        assert due.returncode == 0, due.stderr
        assert "morning 2026-12-01T07:00+09:00 (scheduled): partial" in due.stdout
        assert "already partial" in run_cli(due_env, "brief", "run", "morning", "--due").stdout
        late = run_cli({**env, "BRIEFBOT_BRIEFS_CLOCK": "2026-12-02T09:30+09:00@1"}, "brief", "run", "morning", "--due", "--json")
        assert late.returncode == 0 and json.loads(late.stdout) == {"brief": "morning", "outcome": "nothing-due"}
    slots = sorted((r.slot_utc.isoformat(), r.kind, r.status) for r in _ledger_rows(env))
    assert slots == [("2026-11-29T22:00:00+00:00", "scheduled", "partial"), ("2026-11-30T22:00:00+00:00", "scheduled", "partial"),
                     ("2026-12-01T22:00:00+00:00", "scheduled", "missed")]  # the late --due recorded it, ran nothing


def test_two_schedulers_and_cron_due_calls_race_one_run_per_slot(tmp_path: Path, openai_server: OpenAIServer) -> None:
    # One simulated clock shared by every process: 2026-12-01 00:00:30Z at a real anchor (now), 200x
    # faster (a */10 slot every 3 s). Every run asks the model once, so the stand-in's request
    # count is the number of runs that really happened, whatever the ledger says.
    anchor = time.time()
    sim_start = datetime(2026, 12, 1, 0, 0, 30, tzinfo=UTC)
    until = sim_start + timedelta(minutes=60)
    with replay() as server:
        env = brief_env(tmp_path, server, schedule="*/10 * * * *", summary="model",
                        OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url,
                        BRIEFBOT_BRIEFS_CLOCK=f"{sim_start.isoformat()}@200@{anchor}")
        run = [sys.executable, "-m", "bot", "brief"]
        servers = [subprocess.Popen([*run, "serve", "--until", until.isoformat()], env=env, cwd=tmp_path,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        dues = []
        while time.time() < anchor + 16:  # cron fires through the simulated hour (each call takes ~1 s)
            dues.append(subprocess.run([*run, "run", "morning", "--due", "--json"], env=env, cwd=tmp_path,
                                       capture_output=True, text=True, timeout=60))
        outputs = [p.communicate(timeout=120) for p in servers]
    for proc, (_, err) in zip(servers, outputs):
        assert proc.returncode == 0, err
    assert all(d.returncode == 0 for d in dues), [d.stderr for d in dues]
    rows = _ledger_rows(env)
    by_slot = Counter(r.slot_utc for r in rows)
    # From the first slot after the processes were up (starting takes simulated minutes) to
    # the last one handled (01:00, or 01:10 when a run on these busy cores ended past it),
    # every slot is recorded, each exactly once.
    first, last = min(by_slot), max(by_slot)
    assert first <= sim_start + timedelta(minutes=20) and last >= datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    expected = [first + timedelta(minutes=10 * i) for i in range(int((last - first).total_seconds() // 600) + 1)]
    assert sorted(by_slot) == expected and set(by_slot.values()) == {1}
    ran = [r for r in rows if r.status in RAN]
    # On two busy cores a run can outlast a simulated slot: those are skipped-overlap, recorded too.
    assert len(ran) >= 2, [(r.slot_utc, r.status) for r in rows]
    assert len(openai_server.completion_requests) == len(ran)  # one real run per ran slot, no more
    outcomes = Counter(json.loads(d.stdout)["outcome"] for d in dues)
    assert len(dues) >= 3 and set(outcomes) <= {"ran", "exists", "busy", "nothing-due"}


def test_sigkill_at_random_points_leaves_every_slot_recorded_once(tmp_path: Path) -> None:
    rng = random.Random(12)
    first = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # 07:00 KST
    with replay() as server:
        server.latency = 0.15  # widen the window inside a run
        env = brief_env(tmp_path, server, schedule="0 7 * * *")
        cmd = [sys.executable, "-m", "bot", "brief", "run", "morning", "--json", "--slot"]
        killed_mid_run = 0
        for i in range(20):
            slot = (first + timedelta(days=i)).isoformat()
            proc = subprocess.Popen([*cmd, slot], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(rng.uniform(0.2, 2.0))
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            rows = {r.slot_utc.isoformat(): r for r in _ledger_rows(env)}
            before = rows.get(datetime.fromisoformat(slot).isoformat())
            again = subprocess.run([*cmd, slot], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
            assert again.returncode == 0, again.stderr
            outcome = json.loads(again.stdout)
            if before is None:
                assert outcome["outcome"] == "ran"  # killed before the claim: the slot runs now, once
            else:
                assert outcome["outcome"] == "exists"  # claimed by the killed process: never run again
                if before.status == "running":
                    killed_mid_run += 1
                    assert outcome["status"] == "abandoned"
    db = Path(env["XDG_DATA_HOME"]) / "briefbot" / "briefs.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = _ledger_rows(env)
    assert len(rows) == 20 and len({r.slot_utc for r in rows}) == 20
    assert not [r for r in rows if r.status == "running"]
    assert killed_mid_run >= 3, "the seeded delays should land inside some runs"
