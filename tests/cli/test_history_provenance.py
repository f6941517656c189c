"""History keeps what each answer used (persona in effect, sources) and shows times in the
user's zone; /retry, /undo, /reset and /model store every turn exactly once. Real processes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import RunCli, scratch_env
from tests.support.openai_server import Error, OpenAIServer, Reply
from tests.support.replay_server import ReplayServer

KEY = "sk-test-CANARY0123456789abcdefWXYZ"
FX_QUESTION = "What is the USD to EUR exchange rate?"


def plain_env(tmp_path: Path, server: OpenAIServer, **extra: str) -> dict[str, str]:
    return scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=server.base_url, BRIEFBOT_MAX_RETRIES="0",
                       BRIEFBOT_GROUNDING="0", **extra)


def export(run_cli: RunCli, env: dict[str, str]) -> list[dict[str, object]]:
    done = run_cli(env, "history", "export", "--format", "json")
    assert done.returncode == 0, done.stderr
    data: list[dict[str, object]] = json.loads(done.stdout)
    return data


def messages(conversation: dict[str, object]) -> list[dict[str, object]]:
    found = conversation["messages"]
    assert isinstance(found, list)
    return found


# -- what an answer used ------------------------------------------------------------------------------


def test_history_keeps_each_answers_persona_and_sources(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer, fx_upstream: ReplayServer
) -> None:
    openai_server.script(Reply(text="done"), Reply(text="Hello."), Reply(text="1 USD is 0.85911 EUR."))
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url,
                      BRIEFBOT_HTTP_REWRITE=f"https://api.frankfurter.dev={fx_upstream.url}/fx")
    done = run_cli(env, "chat", input=f"Say hello.\n/persona analyst\n{FX_QUESTION}\n")
    assert done.returncode == 0, done.stderr
    [conversation] = export(run_cli, env)
    assert conversation["persona"] == "analyst"  # the conversation's persona follows /persona
    first, second = [m for m in messages(conversation) if m["role"] == "assistant"]
    assert (first["persona"], first["sources"]) == (None, [])  # no data was needed, no persona yet
    assert second["persona"] == "analyst"
    sources = second["sources"]
    assert isinstance(sources, list)
    [source] = sources
    assert source["source"].startswith("Frankfurter") and source["as_of"].startswith("2026-07-29")
    assert "0.85911" in source["figures"] and source["subject"]
    shown = run_cli(env, "history", "show", "1")
    assert shown.returncode == 0, shown.stderr
    assert "persona analyst ·" in shown.stdout.splitlines()[1]
    answer_part = shown.stdout[shown.stdout.index("1 USD is 0.85911 EUR."):]
    assert "persona analyst" in shown.stdout and "sources:" in answer_part
    assert "Frankfurter" in answer_part and "0.85911" in answer_part and "2026-07-29" in answer_part
    markdown = run_cli(env, "history", "export", "--format", "md", "1").stdout
    assert "_persona: analyst_" in markdown and "Sources:" in markdown and "0.85911" in markdown


# -- times in the user's zone -----------------------------------------------------------------------


@pytest.mark.parametrize("zone_setting", [{"BRIEFBOT_TIMEZONE": "Asia/Seoul"}, {"TZ": "Asia/Seoul"}], ids=["setting", "system"])
def test_history_and_usage_show_times_in_the_users_zone(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer, zone_setting: dict[str, str]
) -> None:
    env = plain_env(tmp_path, openai_server, **zone_setting)
    assert run_cli(env, "ask", "hello").returncode == 0
    [conversation] = export(run_cli, env)
    stored = datetime.fromisoformat(str(messages(conversation)[0]["created_at"]))
    assert stored.utcoffset() is not None and stored.utcoffset().total_seconds() == 0  # type: ignore[union-attr]  # stored UTC
    seoul = stored.astimezone(ZoneInfo("Asia/Seoul"))
    shown = run_cli(env, "history", "show", "1").stdout
    assert f"{seoul:%Y-%m-%d %H:%M} KST" in shown and "UTC" not in shown
    listed = run_cli(env, "history", "list").stdout
    assert f"{seoul:%Y-%m-%d %H:%M} KST" in listed
    usage = run_cli(env, "usage").stdout
    assert usage.splitlines()[1].startswith(f"{seoul:%Y-%m-%d}")  # the local day, not the UTC one
    assert usage.rstrip().endswith("Asia/Seoul" if "BRIEFBOT_TIMEZONE" in zone_setting else "system zone KST")


def test_an_unknown_time_zone_is_a_clear_configuration_error(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli(scratch_env(tmp_path, BRIEFBOT_TIMEZONE="Mars/Olympus"), "history", "list")
    assert done.returncode == 3
    assert "BRIEFBOT_TIMEZONE" in done.stderr and "Asia/Seoul" in done.stderr and "Traceback" not in done.stderr


# -- slash commands store every turn exactly once ----------------------------------------------------


def test_retry_replaces_the_last_answer_and_keeps_the_question_once(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    openai_server.script(Reply(text="First try."), Reply(text="Second try."))
    env = plain_env(tmp_path, openai_server)
    done = run_cli(env, "chat", input="question\n/retry\n")
    assert done.returncode == 0, done.stderr
    [conversation] = export(run_cli, env)
    assert [(m["role"], m["content"]) for m in messages(conversation)] == [("user", "question"), ("assistant", "Second try.")]
    # The retry was sent without the answer it replaces.
    retried = openai_server.completion_requests[1].body["messages"]
    assert [m["content"] for m in retried if m["role"] != "system"] == ["question"]


def test_retry_after_a_failed_turn_stores_the_question_once(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Error.server_error(), Reply(text="Now it works."))
    env = plain_env(tmp_path, openai_server)
    done = run_cli(env, "chat", input="question\n/retry\n")
    [conversation] = export(run_cli, env)
    assert [(m["role"], m["status"], m["content"]) for m in messages(conversation)] == [
        ("user", "complete", "question"), ("assistant", "complete", "Now it works.")]
    assert done.returncode == 18  # the failed turn still counts: a script learns it happened


def test_undo_removes_exactly_the_last_exchange(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="A1."), Reply(text="A2."), Reply(text="A3."))
    env = plain_env(tmp_path, openai_server)
    done = run_cli(env, "chat", input="q1\nq2\n/undo\nq3\n")
    assert done.returncode == 0, done.stderr
    assert "[removed 2 message(s)]" in done.stdout
    [conversation] = export(run_cli, env)
    assert [m["content"] for m in messages(conversation)] == ["q1", "A1.", "q3", "A3."]
    sent = openai_server.completion_requests[2].body["messages"]
    assert [m["content"] for m in sent if m["role"] != "system"] == ["q1", "A1.", "q3"]  # q2 is gone for the model too


def test_reset_starts_a_new_conversation_and_repeats_nothing(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="A1."), Reply(text="A2."))
    env = plain_env(tmp_path, openai_server)
    done = run_cli(env, "chat", input="q1\n/reset\n/reset\nq2\n")
    assert done.returncode == 0, done.stderr
    first, second = export(run_cli, env)  # no empty conversation from the double /reset
    assert [m["content"] for m in messages(first)] == ["q1", "A1."]
    assert [m["content"] for m in messages(second)] == ["q2", "A2."]
    sent = openai_server.completion_requests[1].body["messages"]
    assert [m["content"] for m in sent if m["role"] != "system"] == ["q2"]


def test_model_switch_keeps_one_conversation_and_records_each_answers_model(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    openai_server.script(Reply(text="A1."), Reply(text="A2."))
    env = plain_env(tmp_path, openai_server)
    done = run_cli(env, "chat", input="q1\n/model gpt-4o\nq2\n")
    assert done.returncode == 0, done.stderr
    [conversation] = export(run_cli, env)
    assert [(m["role"], m["content"]) for m in messages(conversation)] == [
        ("user", "q1"), ("assistant", "A1."), ("user", "q2"), ("assistant", "A2.")]
    assert [r.body["model"] for r in openai_server.completion_requests] == ["gpt-4o-mini", "gpt-4o"]
    usage = json.loads(run_cli(env, "usage", "--by", "model", "--json").stdout)
    assert sorted((row["model"], row["calls"]) for row in usage) == [("gpt-4o", 1), ("gpt-4o-mini", 1)]
