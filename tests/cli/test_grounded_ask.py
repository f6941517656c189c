"""question → plan → fetch → pack → answer, end to end: the real `briefbot` process, recorded
upstream payloads served by the replay server (through BRIEFBOT_HTTP_REWRITE), and either the
local OpenAI wire-format server or the real embedded model answering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunCli, scratch_env
from tests.support.openai_server import OpenAIServer, Reply
from tests.support.replay_server import ReplayServer

KEY = "sk-test-CANARY0123456789abcdefWXYZ"
QUESTION = "What is the USD to EUR exchange rate?"


def data_env(tmp_path: Path, fx_upstream: ReplayServer, **extra: str) -> dict[str, str]:
    return scratch_env(tmp_path, BRIEFBOT_HTTP_REWRITE=f"https://api.frankfurter.dev={fx_upstream.url}/fx", **extra)


def test_ask_sends_the_packed_data_and_prints_the_sources_block(
    run_cli: RunCli, tmp_path: Path, fx_upstream: ReplayServer, openai_server: OpenAIServer
) -> None:
    openai_server.script(Reply(text="1 USD is 0.85911 EUR (Frankfurter, 2026-07-29), about 1,450 KRW."))
    env = data_env(tmp_path, fx_upstream, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url)
    done = run_cli(env, "ask", QUESTION)
    assert done.returncode == 0, done.stderr
    assert fx_upstream.count("/fx/v1/latest") == 1
    sent = openai_server.completion_requests[0].body["messages"]
    data = sent[-1]["content"]
    assert sent[-1]["role"] == "user" and data.endswith(f"Question: {QUESTION}")
    assert "Frankfurter" in data and "0.85911" in data  # the fetched figure reached the model, as data
    assert not any("0.85911" in m["content"] for m in sent if m["role"] == "system")  # never in the system's voice
    answer, _, sources = done.stdout.partition("\n\n")
    assert answer.strip() == "1 USD is 0.85911 EUR (Frankfurter, 2026-07-29), about 1,450 KRW."
    assert "Frankfurter" in sources and "0.85911" in sources and "2026-07-29" in sources  # the program's own block
    # 1,450 is in no fetched figure: the program flags it; 0.85911 it does not.
    assert "1,450" in done.stderr and "0.85911" not in done.stderr


def test_ask_json_lists_sources_and_no_sources_hides_the_block(
    run_cli: RunCli, tmp_path: Path, fx_upstream: ReplayServer, openai_server: OpenAIServer
) -> None:
    env = data_env(tmp_path, fx_upstream, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url)
    result = json.loads(run_cli(env, "ask", "--json", QUESTION).stdout)
    [source] = result["sources"]
    assert source["connector"] == "fx" and source["source"].startswith("Frankfurter")
    plain = run_cli(env, "ask", "--no-sources", QUESTION)
    assert plain.returncode == 0 and "Frankfurter" not in plain.stdout


def test_ask_plan_fetches_nothing_and_asks_nothing(run_cli: RunCli, tmp_path: Path, fx_upstream: ReplayServer) -> None:
    done = run_cli(data_env(tmp_path, fx_upstream), "ask", "--plan", "--json", "삼성전자 주가랑 원달러 환율")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    connectors = sorted(step["connector"] for step in plan["steps"])
    assert connectors == ["fx", "stocks"]
    assert fx_upstream.requests == []


def test_when_every_source_fails_the_program_answers_and_no_model_is_asked(
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
    # No data: nothing to ground on, so no paid call that could only guess.
    assert openai_server.completion_requests == []
    assert done.returncode == 31, done.stderr  # the source's own code: unavailable
    answer, _, sources = done.stdout.partition("\n\n")
    assert answer.startswith("I could not get the data this question needs (fx base=USD symbols=EUR)")
    assert "exchange rate for USD/EUR: not available" in sources and "127.0.0.1:9" in sources
    assert done.stderr.strip().splitlines()[-1].startswith("error: none of the data this question needs could be fetched")
    assert "Traceback" not in done.stderr
    # Nothing is lost: the question and the program's answer are in history, with no usage row.
    history = run_cli(env, "history", "export", "--format", "json")
    [conversation] = json.loads(history.stdout)
    roles = [(m["role"], m["content"][:16]) for m in conversation["messages"]]
    assert roles == [("user", QUESTION[:16]), ("assistant", "I could not get ")]
    usage = run_cli(env, "usage", "--json")
    assert usage.returncode == 0 and json.loads(usage.stdout) == []  # no model call, no ledger row


def test_ask_json_lists_the_failures_in_korean_too(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url,
                      BRIEFBOT_HTTP_REWRITE="https://api.frankfurter.dev=http://127.0.0.1:9", BRIEFBOT_HTTP_DEADLINE="2")
    done = run_cli(env, "ask", "--json", "원달러 환율 알려줘")
    assert done.returncode == 31
    result = json.loads(done.stdout)
    assert result["answer"].startswith("이 질문에 필요한 데이터를 가져오지 못해")
    assert result["usage"] is None and result["cost_usd"] == 0.0 and result["sources"] == []
    [failure] = result["failures"]
    assert failure["connector"] == "fx" and failure["params"] == {"base": "USD", "symbols": "KRW"}
    assert failure["error"] == "SourceUnavailable" and "127.0.0.1:9" in failure["message"]


def test_a_failed_source_beside_a_good_one_is_stated_to_the_model(
    run_cli: RunCli, tmp_path: Path, fx_upstream: ReplayServer, openai_server: OpenAIServer
) -> None:
    env = data_env(tmp_path, fx_upstream, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url,
                   BRIEFBOT_HTTP_DEADLINE="2")
    env["BRIEFBOT_HTTP_REWRITE"] += ",https://api.coingecko.com=http://127.0.0.1:9"
    done = run_cli(env, "ask", "What is the USD to EUR exchange rate and the bitcoin price?")
    assert done.returncode == 0, done.stderr
    sent = openai_server.completion_requests[0].body["messages"]
    data = sent[-1]["content"]
    assert "0.85911" in data and "MISSING crypto coin=bitcoin" in data
    assert "coin price for bitcoin: not available" in done.stdout


@pytest.mark.model
def test_embedded_model_answer_is_followed_by_the_real_figures(
    run_cli: RunCli, tmp_path: Path, fx_upstream: ReplayServer, embedded_model: Path
) -> None:
    env = data_env(tmp_path, fx_upstream, BRIEFBOT_LOCAL_MODEL_PATH=str(embedded_model))
    done = run_cli(env, "ask", "--max-tokens", "24", "달러 유로 환율 알려줘")
    assert done.returncode == 0, done.stderr
    # Whatever the 270M model writes, the program shows the recorded rate and its source.
    assert "Frankfurter" in done.stdout and "0.85911" in done.stdout and "출처" in done.stdout


def test_chat_answers_a_dataless_turn_itself_and_goes_on(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    # "Say hello." is nothing the rules know: the model is offered the tools first, says done.
    openai_server.script(Reply(text="done"), Reply(text="Hello there."))
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url,
                      BRIEFBOT_HTTP_REWRITE="https://api.frankfurter.dev=http://127.0.0.1:9", BRIEFBOT_HTTP_DEADLINE="2")
    done = run_cli(env, "chat", input="원달러 환율 알려줘\nSay hello.\n")
    # The chat went on, but a script must learn that one turn had no data: the source's code, as `ask` exits.
    assert done.returncode == 31, done.stderr
    assert "이 질문에 필요한 데이터를 가져오지 못해 답할 수 없습니다 (fx base=USD symbols=KRW)" in done.stdout
    assert "출처:" in done.stdout and "Hello there." in done.stdout
    # Only the second turn reached the model (planning, then the answer), and the answer's
    # request carries the first exchange in its history.
    planning, answer = openai_server.completion_requests
    assert "tools" in planning.body and "tools" not in answer.body
    contents = [m["content"] for m in answer.body["messages"]]
    assert "원달러 환율 알려줘" in contents and contents[-1] == "Say hello."


def test_tool_planning_calls_are_checked_against_the_budget_before_they_are_sent(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url,
                      BRIEFBOT_BUDGET_PER_REQUEST="0.0000001")
    done = run_cli(env, "ask", "Say hello.")  # unknown to the rules: the model would plan first
    assert done.returncode == 40 and "refus" in done.stderr.lower(), done.stderr
    assert openai_server.completion_requests == []


def test_tool_planning_calls_are_in_the_usage_ledger(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="done", prompt_tokens=700, completion_tokens=1),
                         Reply(text="Hello there.", prompt_tokens=40, completion_tokens=3))
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url)
    done = run_cli(env, "ask", "Say hello.")
    assert done.returncode == 0, done.stderr
    planning, answer = openai_server.completion_requests
    # The planning reply is bounded like any call (the SDK talks to a local server: max_tokens).
    assert planning.body["max_tokens"] == 300 and "tools" in planning.body
    [day] = json.loads(run_cli(env, "usage", "--json").stdout)
    assert day["calls"] == 2 and day["prompt_tokens"] == 740 and day["completion_tokens"] == 4
    assert day["cost_usd"] > 0  # gpt-4o-mini is priced: the planning call costs too


def test_chat_sends_fetched_data_as_data_for_its_turn_only(
    run_cli: RunCli, tmp_path: Path, fx_upstream: ReplayServer, openai_server: OpenAIServer
) -> None:
    openai_server.script(Reply(text="1 USD is 0.85911 EUR."), Reply(text="You are welcome."))
    env = data_env(tmp_path, fx_upstream, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url)
    done = run_cli(env, "chat", input=f"{QUESTION}\nThanks!\n")
    assert done.returncode == 0, done.stderr
    bodies = [r.body["messages"] for r in openai_server.completion_requests]
    grounded = next(b for b in bodies if b[-1]["content"].endswith(QUESTION))
    later = bodies[-1]
    assert grounded[-1]["role"] == "user" and "0.85911" in grounded[-1]["content"]
    assert grounded[-1]["content"].endswith(f"Question: {QUESTION}")
    assert not any("<<<DATA" in m["content"] and "0.85911" in m["content"] for m in grounded if m["role"] == "system")
    # The next turn sees the question as typed and the answer, not the data again.
    assert {"role": "user", "content": QUESTION} in later
    assert not any("<<<DATA" in m["content"] and "0.85911" in m["content"] for m in later)
    stored = json.loads(run_cli(env, "history", "export", "--format", "json").stdout)[0]["messages"]
    assert [m["content"] for m in stored if m["role"] == "user"] == [QUESTION, "Thanks!"]
