"""`briefbot fetch` as a real process: a day no source can serve and a place that does not
exist are refused with their exit codes, never answered with other data."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import scratch_env
from tests.connectors.payloads import fixture
from tests.support.replay_server import Reply, ReplayServer


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    routes = {
        "/geo/v1/search": Reply.json(fixture("open-meteo/geocoding_no_results.json")),
        "/fx/v1/latest": Reply.json(fixture("frankfurter/v1_latest_eur_all.json")),
    }
    with ReplayServer(routes) as replay:
        yield replay


def _fetch(tmp_path: Path, server: ReplayServer, *args: str) -> subprocess.CompletedProcess[str]:
    rewrite = (f"https://geocoding-api.open-meteo.com={server.url}/geo,"
               f"https://api.frankfurter.dev={server.url}/fx")
    env = scratch_env(tmp_path, BRIEFBOT_HTTP_REWRITE=rewrite)
    return subprocess.run([sys.executable, "-m", "bot", "fetch", *args], env=env, capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)


def test_a_rate_for_a_day_to_come_exits_34_and_asks_nothing(tmp_path: Path, server: ReplayServer) -> None:
    done = _fetch(tmp_path, server, "fx", "base=USD", "symbols=KRW", "date=2099-01-01")
    assert done.returncode == 34, done.stderr
    assert "no exchange rate exists for 2099-01-01 yet" in done.stderr
    assert "weekend or holiday" not in done.stdout + done.stderr and "Traceback" not in done.stderr
    assert server.count("/fx/") == 0


def test_no_such_place_exits_33(tmp_path: Path, server: ReplayServer) -> None:
    done = _fetch(tmp_path, server, "weather", "place=Qwzxville")
    assert done.returncode == 33, done.stderr
    assert "unknown place 'Qwzxville': no such place" in done.stderr and "Traceback" not in done.stderr
