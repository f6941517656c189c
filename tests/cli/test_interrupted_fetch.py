"""Ctrl-C while several sources are being fetched stops the process now, not when the slowest
source finally answers: pending fetches are cancelled, an in-flight one is abandoned, the
exit is 130 with "interrupted", and the HTTP cache holds only whole entries.

Real ``briefbot`` processes; the exchange rate comes from the recorded Frankfurter answer, the
bitcoin price from a local server that holds its answer until the test lets it go.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunCli, scratch_env
from tests.support.held_upstream import HeldUpstream, held_upstream
from tests.support.live_process import WAIT, LiveProcess
from tests.support.openai_server import OpenAIServer
from tests.support.replay_server import ReplayServer

KEY = "sk-test-CANARY0123456789abcdefWXYZ"
QUESTION = "What is the USD to EUR exchange rate and the bitcoin price?"


@pytest.fixture
def held() -> Iterator[HeldUpstream]:
    """CoinGecko's recorded price, held until the test releases it."""
    with held_upstream("coingecko/simple_price_btc_eth_include_all.json") as upstream:
        yield upstream


def env_for(tmp_path: Path, fx: ReplayServer, held: HeldUpstream, **extra: str) -> dict[str, str]:
    # Timeouts far beyond the hang guard: only abandoning the request can end the run in time.
    return scratch_env(
        tmp_path,
        BRIEFBOT_HTTP_REWRITE=f"https://api.frankfurter.dev={fx.url}/fx,https://api.coingecko.com={held.url}",
        BRIEFBOT_HTTP_TIMEOUT="600", BRIEFBOT_HTTP_DEADLINE="600", **extra,
    )


def cache_files(tmp_path: Path) -> list[Path]:
    root = tmp_path / "cache" / "briefbot" / "http"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def assert_cache_whole(tmp_path: Path) -> None:
    """Every file in the HTTP cache is a finished entry (no temp file, no half of one)."""
    files = cache_files(tmp_path)
    assert files, "the finished exchange-rate fetch should be cached"
    for path in files:
        assert not path.name.startswith(".tmp-"), f"left behind: {path}"
        entry = json.loads(path.read_text(encoding="utf-8"))
        assert {"stored_at", "value"} <= set(entry)


def interrupt_mid_fetch(proc: LiveProcess, fx: ReplayServer, held: HeldUpstream, tmp_path: Path) -> int:
    proc.wait_for(held.arrived.is_set, "the bitcoin request to arrive")
    proc.wait_for(lambda: fx.count("/fx/v1/latest") == 1 and bool(cache_files(tmp_path)), "the exchange rate to be cached")
    proc.interrupt()
    try:
        # A hang guard, not a timing claim: the held request would keep a waiting process for 600 s.
        return proc.proc.wait(WAIT)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"still running after Ctrl-C; stderr: {proc.stderr!r}") from None


def test_ctrl_c_during_a_multi_source_context_exits_130_without_waiting(
    tmp_path: Path, fx_upstream: ReplayServer, held: HeldUpstream
) -> None:
    with LiveProcess(env_for(tmp_path, fx_upstream, held), "context", QUESTION, cwd=tmp_path) as context:
        code = interrupt_mid_fetch(context, fx_upstream, held, tmp_path)
        context.finish()
    assert code == 130, context.stderr
    assert "interrupted" in context.stderr and "Traceback" not in context.stderr
    assert context.stdout == ""  # no context was printed from half the data
    assert_cache_whole(tmp_path)


def test_ctrl_c_during_a_multi_source_ask_exits_130_and_keeps_the_question(
    run_cli: RunCli, tmp_path: Path, fx_upstream: ReplayServer, held: HeldUpstream, openai_server: OpenAIServer
) -> None:
    env = env_for(tmp_path, fx_upstream, held, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url)
    with LiveProcess(env, "ask", QUESTION, cwd=tmp_path) as ask:
        code = interrupt_mid_fetch(ask, fx_upstream, held, tmp_path)
        ask.finish()
    assert code == 130, ask.stderr
    assert "interrupted" in ask.stderr and "Traceback" not in ask.stderr
    assert openai_server.completion_requests == []  # the model was never asked
    assert_cache_whole(tmp_path)
    # The cancelled turn is in history; the next run answers from the cached rate and a fresh price.
    history = json.loads(run_cli(env, "history", "export", "--format", "json").stdout)
    [conversation] = history
    assert [(m["role"], bool(m.get("cancelled"))) for m in conversation["messages"]] == [("user", False), ("assistant", True)]
    held.release()
    done = run_cli(env, "context", "--json", QUESTION)
    assert done.returncode == 0, done.stderr
    assert fx_upstream.count("/fx/v1/latest") == 1  # served from the entry written before Ctrl-C
    assert sorted(s["connector"] for s in json.loads(done.stdout)["sources"]) == ["crypto", "fx"]
