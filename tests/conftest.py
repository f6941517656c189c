"""Shared fixtures: scratch homes for CLI runs, the embedded model assembled once per run,
and the local OpenAI-compatible server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import exit_record
from tests.support.fixtures import fx_upstream, openai_server  # noqa: F401  (fixture re-exports)

REPO = Path(__file__).resolve().parents[1]

# Every briefbot process's exit code is filed under the test that ran it (tests/support/exit_record.py);
# tests/test_exit_codes_readme.py checks them against the README's exit-code table, last.
exit_record.install()
LAST = "test_each_listed_test_produced_its_code_in_this_session"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.name == LAST)  # stable: everything else keeps its order


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and not report.skipped:
        exit_record.RAN.add(report.nodeid)


def scratch_env(root: Path, **extra: str) -> dict[str, str]:
    """An environment whose home, config, data and cache all live under ``root``."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root / "home"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "BRIEFBOT_NO_DOTENV": "1",
        "PYTHONPATH": str(REPO),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
    }
    (root / "home").mkdir(parents=True, exist_ok=True)
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def embedded_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled GGUF, assembled once for the whole run (it is ~250 MB)."""
    from bot.llm.model_file import ensure_bundled_model

    return ensure_bundled_model(tmp_path_factory.mktemp("models"), progress=lambda _: None)


@pytest.fixture
def cli_env(tmp_path: Path, embedded_model: Path) -> dict[str, str]:
    return scratch_env(tmp_path, BRIEFBOT_LOCAL_MODEL_PATH=str(embedded_model), BRIEFBOT_MODEL="gemma-3-270m")


RunCli = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run the real ``briefbot`` process: run_cli(env, "ask", "hi", input="...")."""

    def run(env: dict[str, str], *args: str, input: str | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=env,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=tmp_path,
        )

    return run
