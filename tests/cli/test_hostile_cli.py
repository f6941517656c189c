"""Hostile upstreams and input through the real `briefbot` process: a password in
OPENAI_BASE_URL, stdin that is not UTF-8, escape sequences in fetched data, Open-Meteo's
HTTP-200 error body, a redirect loop. Each run ends with its documented exit code."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunCli, scratch_env
from tests.connectors.payloads import fixture
from tests.support.openai_server import Error, OpenAIServer, Reply
from tests.support.replay_server import Reply as Upstream
from tests.support.replay_server import ReplayServer

PASSWORD = "pw-CANARY-s3cret-77"


def test_a_password_in_the_base_url_is_never_printed_logged_or_stored(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    url = openai_server.base_url.replace("http://", f"http://alice:{PASSWORD}@")
    env = scratch_env(tmp_path, OPENAI_BASE_URL=url, BRIEFBOT_MAX_RETRIES="0", BRIEFBOT_GROUNDING="0")
    openai_server.script(Error.server_error(), Reply(text="fine"))
    runs = [
        run_cli(env, "config", "show"),
        run_cli(env, "config", "show", "--json"),
        run_cli(env, "--debug", "ask", "first"),  # 500: the error line names the endpoint
        run_cli(env, "--debug", "ask", "second"),
        run_cli(env, "history", "export", "--format", "json"),
        run_cli(env, "doctor", "--offline"),
    ]
    assert [r.returncode for r in runs[2:4]] == [18, 0]
    printed = "\n".join(r.stdout + r.stderr for r in runs)
    assert "[REDACTED]@127.0.0.1" in printed  # the URL was shown, masked
    assert PASSWORD not in printed and "alice:" not in printed
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.startswith("history") for p in written)
    for path in written:
        assert PASSWORD.encode() not in path.read_bytes(), path


def test_ask_with_stdin_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    env = scratch_env(tmp_path, BRIEFBOT_GROUNDING="0")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask"], env=env, input="서울 날씨".encode("cp949"), capture_output=True, timeout=60,
        cwd=tmp_path,
    )
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert "not valid UTF-8" in stderr and "Traceback" not in stderr and "this is a bug" not in stderr


@pytest.fixture
def upstream() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server


def _env(tmp_path: Path, server: ReplayServer) -> dict[str, str]:
    rewrite = ",".join(
        f"{origin}={server.url}"
        for origin in ("https://query1.finance.yahoo.com", "https://geocoding-api.open-meteo.com", "https://api.frankfurter.dev")
    )
    return scratch_env(tmp_path, BRIEFBOT_HTTP_REWRITE=rewrite)


def test_fetch_prints_no_escape_sequence_from_the_data(run_cli: RunCli, tmp_path: Path, upstream: ReplayServer) -> None:
    chart = fixture("yahoo/chart_AAPL_range6mo_interval1d_2025-10-29.json")
    chart["chart"]["result"][0]["meta"]["currency"] = "USD\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J"
    upstream.route("/v8/finance/chart/AAPL", Upstream.json(chart))
    done = run_cli(_env(tmp_path, upstream), "fetch", "stocks", "symbol=AAPL", "days=0")
    assert done.returncode == 0, done.stderr
    assert "AAPL" in done.stdout
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout and "\x1b" not in done.stderr


def test_open_meteo_error_body_with_http_200_is_exit_35_quoting_the_reason(
    run_cli: RunCli, tmp_path: Path, upstream: ReplayServer
) -> None:
    reason = "Parameter 'count' must be between 1 and 100"
    upstream.route("/v1/search", Upstream.json({"error": True, "reason": reason}))
    done = run_cli(_env(tmp_path, upstream), "fetch", "weather", "place=Enschede")
    assert done.returncode == 35, done.stderr
    assert reason in done.stderr


def test_a_redirect_loop_is_exit_31_with_its_own_message(run_cli: RunCli, tmp_path: Path, upstream: ReplayServer) -> None:
    upstream.route("/v1/latest", Upstream(b"", 302, {"Location": "/v1/latest?again"}))
    done = run_cli(_env(tmp_path, upstream), "fetch", "fx", "base=USD", "symbols=EUR")
    assert done.returncode == 31, done.stderr
    assert "redirect loop" in done.stderr and "cannot connect" not in done.stderr
    assert len(upstream.requests) == 2


def test_a_source_that_refuses_us_is_exit_38(run_cli: RunCli, tmp_path: Path, upstream: ReplayServer) -> None:
    # Yahoo's unofficial endpoint answers clients it does not like with 401 (its recorded shape).
    refusal = {"finance": {"result": None, "error": {"code": "Unauthorized", "description": "Invalid Crumb"}}}
    upstream.route("/v8/finance/chart/AAPL", Upstream.json(refusal, status=401))
    done = run_cli(_env(tmp_path, upstream), "fetch", "stocks", "symbol=AAPL", "provider=yahoo")
    assert done.returncode == 38, done.stderr
    assert "Invalid Crumb" in done.stderr and "ALPHAVANTAGE_API_KEY" in done.stderr


def test_escape_sequences_in_the_models_answer_never_reach_the_terminal(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    # OSC title and clipboard (OSC 52), screen clear and colour, split across stream chunks.
    hostile = "Sunny\x1b]0;pwned\x07 and\x1b]52;c;ZXZpbA==\x07 warm\x1b[2J\x1b[31m, 21 °C.\x1b[0m"
    openai_server.default = Reply(text=hostile, pieces=[hostile[:9], hostile[9:30], hostile[30:]])
    env = scratch_env(tmp_path, OPENAI_API_KEY="sk-test-ESCAPES0123456789abcdefWXYZ", OPENAI_BASE_URL=openai_server.base_url,
                      BRIEFBOT_GROUNDING="0")
    runs = [run_cli(env, "ask", "weather?"), run_cli(env, "ask", "--no-stream", "weather?"),
            run_cli(env, "chat", input="weather?\n"), run_cli(env, "history", "show", "1")]
    for done in runs:
        assert done.returncode == 0, done.stderr
        assert "Sunny" in done.stdout and "21 °C." in done.stdout
        assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stdout + done.stderr
