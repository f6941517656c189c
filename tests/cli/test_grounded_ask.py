"""question → plan → fetch → pack → answer, end to end: the real `briefbot` process, recorded
upstream payloads served by the replay server (through BRIEFBOT_HTTP_REWRITE), and either the
local OpenAI wire-format server or the real embedded model answering."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunCli, scratch_env
from tests.connectors.payloads import fixture
from tests.support.openai_server import OpenAIServer, Reply
from tests.support.replay_server import Reply as Recorded
from tests.support.replay_server import ReplayServer

KEY = "sk-test-CANARY0123456789abcdefWXYZ"
QUESTION = "What is the USD to EUR exchange rate?"


@pytest.fixture
def upstream() -> Iterator[ReplayServer]:
    payload = fixture("frankfurter/v1_latest_base_usd_symbols_eur_captured_2026-07-30.json")
    with ReplayServer({"/fx/v1/latest": Recorded.json(payload)}) as replay:
        yield replay


def data_env(tmp_path: Path, upstream: ReplayServer, **extra: str) -> dict[str, str]:
    return scratch_env(tmp_path, BRIEFBOT_HTTP_REWRITE=f"https://api.frankfurter.dev={upstream.url}/fx", **extra)


def test_ask_sends_the_packed_data_and_prints_the_sources_block(
    run_cli: RunCli, tmp_path: Path, upstream: ReplayServer, openai_server: OpenAIServer
) -> None:
    openai_server.script(Reply(text="1 USD is 0.85911 EUR (Frankfurter, 2026-07-29), about 1,450 KRW."))
    env = data_env(tmp_path, upstream, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url)
    done = run_cli(env, "ask", QUESTION)
    assert done.returncode == 0, done.stderr
    assert upstream.count("/fx/v1/latest") == 1
    sent = openai_server.completion_requests[0].body["messages"]
    data = "\n".join(m["content"] for m in sent if m["role"] == "system")
    assert "Frankfurter" in data and "0.85911" in data  # the fetched figure reached the model
    answer, _, sources = done.stdout.partition("\n\n")
    assert answer.strip() == "1 USD is 0.85911 EUR (Frankfurter, 2026-07-29), about 1,450 KRW."
    assert "Frankfurter" in sources and "0.85911" in sources and "2026-07-29" in sources  # the program's own block
    # 1,450 is in no fetched figure: the program flags it; 0.85911 it does not.
    assert "1,450" in done.stderr and "0.85911" not in done.stderr


def test_ask_json_lists_sources_and_no_sources_hides_the_block(
    run_cli: RunCli, tmp_path: Path, upstream: ReplayServer, openai_server: OpenAIServer
) -> None:
    env = data_env(tmp_path, upstream, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url)
    result = json.loads(run_cli(env, "ask", "--json", QUESTION).stdout)
    [source] = result["sources"]
    assert source["connector"] == "fx" and source["source"].startswith("Frankfurter")
    plain = run_cli(env, "ask", "--no-sources", QUESTION)
    assert plain.returncode == 0 and "Frankfurter" not in plain.stdout


def test_ask_plan_fetches_nothing_and_asks_nothing(run_cli: RunCli, tmp_path: Path, upstream: ReplayServer) -> None:
    done = run_cli(data_env(tmp_path, upstream), "ask", "--plan", "--json", "삼성전자 주가랑 원달러 환율")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    connectors = sorted(step["connector"] for step in plan["steps"])
    assert connectors == ["fx", "stocks"]
    assert upstream.requests == []


def test_unreachable_source_is_stated_not_hidden(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    env = scratch_env(
        tmp_path,
        OPENAI_API_KEY=KEY,
        OPENAI_BASE_URL=openai_server.base_url,
        BRIEFBOT_HTTP_REWRITE="https://api.frankfurter.dev=http://127.0.0.1:9",
        BRIEFBOT_HTTP_DEADLINE="2",
    )
    done = run_cli(env, "ask", QUESTION)
    assert done.returncode == 0, done.stderr
    sent = openai_server.completion_requests[0].body["messages"]
    data = "\n".join(m["content"] for m in sent if m["role"] == "system")
    assert "fx" in data.lower() and ("fail" in data.lower() or "unavailable" in data.lower())


@pytest.mark.model
def test_embedded_model_answer_is_followed_by_the_real_figures(
    run_cli: RunCli, tmp_path: Path, upstream: ReplayServer, embedded_model: Path
) -> None:
    env = data_env(tmp_path, upstream, BRIEFBOT_LOCAL_MODEL_PATH=str(embedded_model))
    done = run_cli(env, "ask", "--max-tokens", "24", "달러 유로 환율 알려줘")
    assert done.returncode == 0, done.stderr
    # Whatever the 270M model writes, the program shows the recorded rate and its source.
    assert "Frankfurter" in done.stdout and "0.85911" in done.stdout and "출처" in done.stdout
