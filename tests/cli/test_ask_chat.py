"""`briefbot ask` and `briefbot chat` as real processes: on the real embedded model, and on the
`openai` backend against the local OpenAI wire-format server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunCli, scratch_env
from tests.support.openai_server import Cut, Error, OpenAIServer, Reply

KEY = "sk-test-CANARY0123456789abcdefWXYZ"


def openai_env(tmp_path: Path, server: OpenAIServer, **extra: str) -> dict[str, str]:
    # These tests are about the LLM layer; grounded answers have their own tests.
    return scratch_env(
        tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=server.base_url, BRIEFBOT_MAX_RETRIES="1", BRIEFBOT_GROUNDING="0", **extra
    )


def export(run_cli: RunCli, env: dict[str, str]) -> list[dict[str, object]]:
    done = run_cli(env, "history", "export", "--format", "json")
    assert done.returncode == 0, done.stderr
    data: list[dict[str, object]] = json.loads(done.stdout)
    return data


# -- embedded model, end to end ---------------------------------------------------------------


@pytest.mark.model
def test_ask_on_the_embedded_model_streams_an_answer_and_stores_it(run_cli: RunCli, cli_env: dict[str, str]) -> None:
    done = run_cli(cli_env, "ask", "--max-tokens", "24", "What is the capital of France?")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "the model produced no text"
    assert "Traceback" not in done.stderr
    [conversation] = export(run_cli, cli_env)
    messages = conversation["messages"]
    assert isinstance(messages, list)
    assert [(m["role"], m["status"]) for m in messages] == [("user", "complete"), ("assistant", "complete")]
    assert messages[1]["content"].strip() == done.stdout.strip()


@pytest.mark.model
def test_ask_json_on_the_embedded_model_reports_exact_usage_and_zero_cost(run_cli: RunCli, cli_env: dict[str, str]) -> None:
    done = run_cli(cli_env, "ask", "--json", "--max-tokens", "16", "Say hello.")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) >= {"answer", "model", "usage", "sources"}
    assert result["model"] == "gemma-3-270m" and result["cost_usd"] == 0
    assert result["usage"]["prompt_tokens"] > 10 and not result["usage"]["estimated"]
    assert 0 < result["usage"]["completion_tokens"] <= 17


@pytest.mark.model
def test_piped_chat_with_commands_on_the_embedded_model(run_cli: RunCli, cli_env: dict[str, str]) -> None:
    script = "\n".join(
        [
            "Hello there.",
            "/system 반말로 대답하지 마세요",
            "/persona korean-polite",
            "/nonsense",
            "Second question.",
            "/undo",
            "/history",
            "/cost",
            "/exit",
            "never sent",
        ]
    )
    done = run_cli(cli_env, "chat", "--max-tokens", "12", input=script + "\n")
    assert done.returncode == 0, done.stderr
    assert "unknown command /nonsense" in done.stderr
    assert "[rule added" in done.stdout and "[persona: korean-polite]" in done.stdout
    assert "[removed 2 message(s)]" in done.stdout
    assert "this session:" in done.stdout and "$0" in done.stdout
    [conversation] = export(run_cli, cli_env)
    roles = [m["role"] for m in conversation["messages"]]  # type: ignore[union-attr]
    # The second exchange was undone; the rule stays; "never sent" was never sent.
    assert roles == ["user", "assistant", "system"]
    assert "never sent" not in json.dumps(conversation, ensure_ascii=False)


@pytest.mark.model
def test_chat_continue_resumes_the_last_conversation(run_cli: RunCli, cli_env: dict[str, str]) -> None:
    assert run_cli(cli_env, "chat", "--max-tokens", "8", input="First.\n").returncode == 0
    done = run_cli(cli_env, "chat", "--continue", "--max-tokens", "8", input="Second.\n")
    assert done.returncode == 0, done.stderr
    assert "resumed conversation 1: 2 messages" in done.stderr
    [conversation] = export(run_cli, cli_env)
    assert [m["content"] for m in conversation["messages"] if m["role"] == "user"] == ["First.", "Second."]  # type: ignore[union-attr]


def test_chat_on_an_unknown_conversation_fails_clearly(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli(scratch_env(tmp_path), "chat", "--conversation", "42")
    assert done.returncode == 51
    assert "42" in done.stderr and "Traceback" not in done.stderr


def test_missing_local_model_file_is_a_clear_error(run_cli: RunCli, tmp_path: Path) -> None:
    env = scratch_env(tmp_path, BRIEFBOT_LOCAL_MODEL_PATH=str(tmp_path / "nope.gguf"))
    done = run_cli(env, "ask", "hi")
    assert done.returncode == 20
    assert "model file not found" in done.stderr and "Traceback" not in done.stderr


def test_empty_question_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli(scratch_env(tmp_path), "ask", input="   \n")
    assert done.returncode == 2 and "empty" in done.stderr


# -- openai backend against the local server ------------------------------------------------------


def test_ask_streams_from_the_openai_backend_with_question_from_stdin(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    openai_server.script(Reply(text="It is sunny in Seoul.", prompt_tokens=30, completion_tokens=6))
    env = openai_env(tmp_path, openai_server)
    done = run_cli(env, "ask", input="서울 날씨 어때?\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "It is sunny in Seoul."
    body = openai_server.completion_requests[0].body
    assert body["messages"][-1] == {"role": "user", "content": "서울 날씨 어때?"}
    assert body["model"] == "gpt-4o-mini"
    usage = run_cli(env, "usage", "--by", "model", "--json")
    [row] = json.loads(usage.stdout)
    assert (row["model"], row["prompt_tokens"], row["completion_tokens"]) == ("gpt-4o-mini", 30, 6)
    assert row["cost_usd"] > 0


@pytest.mark.parametrize(
    ("behaviour", "code", "words"),
    [
        (Error.invalid_api_key(), 11, "rejected"),
        (Error.insufficient_quota(), 12, "quota"),
        (Error.rate_limit(retry_after_ms=10), 13, "rate limited"),
        (Error.context_length_exceeded(), 14, "context"),
        (Error.model_not_found(), 15, "not available"),
        (Error.server_error(retry_after_ms=10), 18, "server error"),
    ],
)
def test_each_api_failure_ends_in_one_clear_line_and_its_exit_code(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer, behaviour: Error, code: int, words: str
) -> None:
    openai_server.default = behaviour
    env = openai_env(tmp_path, openai_server)
    done = run_cli(env, "ask", "hello")
    assert done.returncode == code, done.stderr
    assert words in done.stderr and "Traceback" not in done.stderr
    assert KEY not in done.stderr + done.stdout
    # The question was stored before the call; the failed turn is recorded as an error.
    [conversation] = export(run_cli, env)
    assert [(m["role"], m["status"]) for m in conversation["messages"]] == [("user", "complete"), ("assistant", "error")]  # type: ignore[union-attr]


def test_exhausted_quota_is_asked_once_despite_retries_and_exits_12(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    openai_server.default = Error.insufficient_quota()
    done = run_cli(openai_env(tmp_path, openai_server), "ask", "--max-retries", "3", "hello")
    assert done.returncode == 12, done.stderr
    assert "quota is used up" in done.stderr and KEY not in done.stderr
    assert len(openai_server.completion_requests) == 1


def test_debug_shows_the_traceback_but_still_masks_the_key(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.default = Error.invalid_api_key()
    done = run_cli(openai_env(tmp_path, openai_server), "--debug", "ask", "hello")
    assert done.returncode == 11
    assert "Traceback" in done.stderr and KEY not in done.stderr


def test_a_cut_stream_in_chat_does_not_end_the_session(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Cut(text="Partial answer about the weather", after=2), Reply(text="Second answer."))
    env = openai_env(tmp_path, openai_server)
    done = run_cli(env, "chat", input="first\nsecond\n")
    assert done.returncode == 18, done.stderr  # a turn failed: the first failure's code (ServerError)
    assert "broke off" in done.stderr and "partial answer was kept" in done.stderr
    assert "Second answer." in done.stdout
    [conversation] = export(run_cli, env)
    assert [m["status"] for m in conversation["messages"]] == ["complete", "incomplete", "complete", "complete"]  # type: ignore[union-attr]


def test_budget_refuses_before_any_call(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    env = openai_env(tmp_path, openai_server, BRIEFBOT_BUDGET_PER_REQUEST="0.0000001")
    done = run_cli(env, "ask", "hello")
    assert done.returncode == 40 and "refus" in done.stderr.lower()
    assert openai_server.completion_requests == []


def test_invalid_key_format_is_caught_before_any_call(run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer) -> None:
    env = scratch_env(tmp_path, OPENAI_API_KEY="발급받은-API키-값")
    done = run_cli(env, "ask", "hello")
    assert done.returncode == 4 and "placeholder" in done.stderr
    assert openai_server.requests == []


def test_a_bad_option_value_is_a_usage_error_naming_the_option(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli(scratch_env(tmp_path), "ask", "--max-tokens", "-5", "hi")
    assert done.returncode == 2
    assert "--max-tokens" in done.stderr and "greater than 0" in done.stderr and "Traceback" not in done.stderr
