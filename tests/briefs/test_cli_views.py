"""What `brief show`, `brief list` and `brief history` print, from real processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.briefs.upstream import brief_env, replay
from tests.conftest import RunCli


def test_show_lists_next_runs_with_the_zone_offset_across_a_dst_change(tmp_path: Path, run_cli: RunCli) -> None:
    with replay() as server:
        env = brief_env(tmp_path, server)
        toml = Path(env["XDG_CONFIG_HOME"]) / "briefbot" / "briefs.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('"Asia/Seoul"', '"Europe/Berlin"').replace("0 7 * * 1-5", "30 2 * * *"),
                        encoding="utf-8")
        done = run_cli(env, "brief", "show", "morning", "--after", "2026-03-27T12:00Z", "--count", "4", "--json")
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["next_runs"] == ["2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00",  # the skipped 02:30 runs at 03:00
                                     "2026-03-30T02:30:00+02:00", "2026-03-31T02:30:00+02:00"]
        assert (data["name"], data["schedule"], data["timezone"], data["catch_up"]) == ("morning", "30 2 * * *", "Europe/Berlin", "latest")
        text = run_cli(env, "brief", "show", "morning", "--after", "2026-03-27T12:00Z")
        assert "    2026-03-29T03:00:00+02:00" in text.stdout and "fx base=USD symbols=EUR" in text.stdout
        bad = run_cli(env, "brief", "show", "morning", "--after", "yesterday")
        assert bad.returncode == 2 and "--after 'yesterday' is not an ISO-8601 time" in bad.stderr
        missing = run_cli(env, "brief", "show", "evening")
        assert missing.returncode == 62 and "no brief named 'evening'" in missing.stderr


def test_list_shows_next_run_and_last_status(tmp_path: Path, run_cli: RunCli) -> None:
    with replay() as server:
        env = brief_env(tmp_path, server)
        before = json.loads(run_cli(env, "brief", "list", "--json").stdout)
        assert before[0]["name"] == "morning" and before[0]["last"] is None
        assert run_cli(env, "brief", "run", "morning", "--slot", "2026-11-30T07:00+09:00").returncode == 0
        after = json.loads(run_cli({**env, "BRIEFBOT_BRIEFS_CLOCK": "2026-11-30T08:00+09:00@1"}, "brief", "list", "--json").stdout)
        assert after[0]["last"] == {"slot_utc": "2026-11-29T22:00:00+00:00", "status": "partial", "kind": "scheduled"}
        assert after[0]["next_runs"] == ["2026-12-01T07:00:00+09:00"]


def test_history_shows_each_run_with_its_deliveries(tmp_path: Path, run_cli: RunCli) -> None:
    pytest.importorskip("bot.briefs.targets")  # the delivery side's outbox (merged separately)
    with replay() as server:
        env = brief_env(tmp_path, server)
        assert run_cli(env, "brief", "run", "morning", "--slot", "2026-11-30T07:00+09:00").returncode == 0
        assert run_cli({**env, "BRIEFBOT_BRIEFS_CLOCK": "2026-12-02T10:00+09:00@1"}, "brief", "run", "morning", "--due").returncode == 0
        data = json.loads(run_cli(env, "brief", "history", "morning", "--json").stdout)
        assert [(r["slot_local"], r["kind"], r["status"]) for r in data] == [  # newest first; --due came 3 h late
            ("2026-12-02T07:00:00+09:00", "scheduled", "missed"), ("2026-12-01T07:00:00+09:00", "scheduled", "missed"),
            ("2026-11-30T07:00:00+09:00", "scheduled", "partial")]
        assert data[2]["sources_ok"] == 3 and data[2]["sources_failed"] == 1 and data[2]["deliveries"] == []
        text = run_cli(env, "brief", "history").stdout
        assert "morning  2026-11-30T07:00+09:00 (2026-11-29 22:00Z)  scheduled  partial" in text
