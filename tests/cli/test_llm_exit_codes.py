"""The LLM exit codes no other test reached through the real CLI: 16, 17 and 19."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.conftest import RunCli, scratch_env
from tests.support.openai_server import Error, OpenAIServer, Reply

KEY = "sk-test-CANARY0123456789abcdefWXYZ"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends: nothing listens


def test_an_endpoint_nobody_listens_on_is_exit_16(run_cli: RunCli, tmp_path: Path) -> None:
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=f"http://127.0.0.1:{_closed_port()}/v1")
    done = run_cli(env, "ask", "--no-data", "--max-retries", "0", "Say hello.")
    assert done.returncode == 16, done.stderr
    assert "Traceback" not in done.stderr and KEY not in done.stderr


def test_no_answer_within_the_timeout_is_exit_17(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="late", delay=5.0))
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url)
    done = run_cli(env, "ask", "--no-data", "--max-retries", "0", "--timeout", "1", "Say hello.")
    assert done.returncode == 17, done.stderr
    assert "Traceback" not in done.stderr


def test_another_refused_request_is_exit_19(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Error(400, "Invalid value for 'temperature': must be <= 2.", type="invalid_request_error",
                               param="temperature", code="invalid_value"))
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url)
    done = run_cli(env, "ask", "--no-data", "Say hello.")
    assert done.returncode == 19, done.stderr
    assert "temperature" in done.stderr and "Traceback" not in done.stderr
