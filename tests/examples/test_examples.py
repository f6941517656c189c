"""Every tutorial example runs as a real process: offline on the embedded model, and unchanged
against an OpenAI-compatible server when a key is set. No output may show the key whole."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, scratch_env
from tests.support.openai_server import DEFAULT_TEXT, OpenAIServer

EXAMPLES = REPO / "examples"
CANARY = "sk-proj-CANARYexample0123456789CANARYq8W3"
MASKED = "sk-proj-…q8W3"
ALL = sorted(p.name for p in EXAMPLES.glob("0*.py"))

pytestmark = pytest.mark.model


def run_example(name: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], env=env, cwd=cwd, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, f"{name} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture
def local_env(tmp_path: Path, embedded_model: Path) -> dict[str, str]:
    # One thread: llama.cpp spin-waits, so two threads on two shared cores degrade badly under load.
    return scratch_env(tmp_path, BRIEFBOT_LOCAL_MODEL_PATH=str(embedded_model), BRIEFBOT_LOCAL_THREADS="1")


def usage_numbers(text: str) -> tuple[int, int]:
    match = re.search(r"usage\s*: prompt=(\d+) completion=(\d+)", text)
    assert match, text
    return int(match.group(1)), int(match.group(2))


def test_there_is_one_example_per_chapter_and_each_is_short() -> None:
    assert [n[:2] for n in ALL] == ["01", "02", "03", "04", "05", "06"]
    for name in ALL:
        source = (EXAMPLES / name).read_text(encoding="utf-8")
        assert len(source.splitlines()) <= 60, name
        assert re.search(r"[가-힣]", source.split('"""')[1]), f"{name}: Korean chapter title in the docstring"
        assert name in (EXAMPLES / "README.md").read_text(encoding="utf-8")


# --- offline, embedded model ---------------------------------------------------------------------


def test_01_setup_without_a_key_uses_the_embedded_model(local_env: dict[str, str], tmp_path: Path) -> None:
    out = run_example("01_setup.py", local_env, tmp_path).stdout
    assert "backend : local" in out
    assert "API key : (unset)" in out
    assert str(Path(local_env["XDG_CONFIG_HOME"]) / "briefbot" / "config.toml") in out


def test_01_setup_masks_a_key_read_from_dotenv(local_env: dict[str, str], tmp_path: Path) -> None:
    del local_env["BRIEFBOT_NO_DOTENV"]
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={CANARY}\n", encoding="utf-8")
    result = run_example("01_setup.py", local_env, tmp_path)
    assert f"API key : {MASKED}  (from .env ({tmp_path / '.env'}))" in result.stdout
    assert f"dotenv  : {tmp_path / '.env'}" in result.stdout
    assert "backend : openai" in result.stdout and "key check: ok" in result.stdout
    assert CANARY not in result.stdout + result.stderr


def test_01_setup_flags_the_tutorial_placeholder(local_env: dict[str, str], tmp_path: Path) -> None:
    local_env["OPENAI_API_KEY"] = "발급받은-API키-값"
    out = run_example("01_setup.py", local_env, tmp_path).stdout
    assert "key check: InvalidKeyFormatError (exit code 4)" in out


def test_02_basic_call_prints_answer_and_usage(local_env: dict[str, str], tmp_path: Path) -> None:
    out = run_example("02_basic_call.py", local_env, tmp_path).stdout
    assert "backend: embedded llama.cpp" in out
    assert re.search(r"^answer : '.*'$", out, re.MULTILINE)
    prompt, completion = usage_numbers(out)
    assert prompt > 10 and 0 <= completion <= 24  # max_tokens=24
    assert f"total={prompt + completion}" in out


def test_03_streaming_prints_deltas_then_usage(local_env: dict[str, str], tmp_path: Path) -> None:
    out = run_example("03_streaming.py", local_env, tmp_path).stdout
    streamed, _, summary = out.partition("[finished: ")
    status = re.search(r"status : (\w+) \((\d+) characters\)", summary)
    assert status and status.group(1) == "complete"
    assert len(streamed.strip()) > 0 and int(status.group(2)) > 0
    prompt, completion = usage_numbers(summary)
    assert prompt > 0 and 0 < completion <= 40


def test_04_system_messages_uses_persona_and_mid_conversation_rule(local_env: dict[str, str], tmp_path: Path) -> None:
    out = run_example("04_system_messages.py", local_env, tmp_path).stdout
    assert "persona: korean-polite" in out
    assert "[system, added mid-conversation]" in out
    assert out.count("assistant : ") == 2
    assert "roles sent on the last turn: system, user, assistant, system, user" in out


def test_05_counts_tokens_prices_calls_and_catches_errors(local_env: dict[str, str], tmp_path: Path) -> None:
    out = run_example("05_tokens_cost_errors.py", local_env, tmp_path).stdout
    pattern = re.compile(r"^(\w+)\s+system prompt:\s+(\d+) tokens", re.MULTILINE)
    counts = {m.group(1): int(m.group(2)) for m in pattern.finditer(out)}
    assert counts["concise"] < counts["verbose"]
    usage_numbers(out)
    assert re.search(r"cost on this backend \(local, .*\): \$0$", out, re.MULTILINE)
    assert re.search(r"the same tokens on gpt-4o-mini: \$0\.0*[1-9]", out)
    assert "caught EndpointUnreachableError (exit code 16)" in out
    assert "127.0.0.1:9" in out


def test_06_chatbot_stores_two_turns_and_undoes_one(local_env: dict[str, str], tmp_path: Path) -> None:
    out = run_example("06_chatbot.py", local_env, tmp_path).stdout
    assert out.count("you > ") == 2
    assert "stored: system user assistant user assistant" in out
    assert "/undo removed 2 messages; stored now: system user assistant" in out
    assert "last question kept in the session: 'Hello! Who are you?'" in out


# --- the same scripts with a key, against an OpenAI-compatible server ---------------------------


@pytest.fixture
def keyed_server() -> Iterator[OpenAIServer]:
    # The server answers only requests carrying this exact key, so a 0 exit proves it was sent.
    with OpenAIServer(api_key=CANARY) as server:
        yield server


@pytest.mark.parametrize("name", ALL)
def test_examples_run_unchanged_with_a_key(name: str, keyed_server: OpenAIServer, tmp_path: Path) -> None:
    env = scratch_env(tmp_path, OPENAI_API_KEY=CANARY, OPENAI_BASE_URL=keyed_server.base_url)
    result = run_example(name, env, tmp_path)
    assert CANARY not in result.stdout + result.stderr
    if name in ("02_basic_call.py", "03_streaming.py", "06_chatbot.py"):
        assert DEFAULT_TEXT.split()[0] in result.stdout
    expected_calls = {"01": 0, "02": 1, "03": 1, "04": 2, "05": 1, "06": 2}[name[:2]]
    assert len(keyed_server.completion_requests) == expected_calls
    if name.startswith("05"):
        assert "cost on this backend (openai, gpt-4o-mini): $0.0" in result.stdout
