"""A planning call that fails keeps the question in history once, and /retry asks that question.

When the rules cannot plan a question, the openai backend first asks the model which data to
fetch (a call with tools). That call failing (401, 429, a broken answer) used to end the turn
before the question was stored: the question vanished from history and the next /retry asked the
question before it instead. Found by the chaos suite (tests/chaos/test_chaos_answers.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunCli, scratch_env
from tests.support.history_rows import stored_messages
from tests.support.openai_server import Error, OpenAIServer, Reply

KEY = "sk-test-CANARY0123456789abcdefWXYZ"


def test_a_failed_planning_call_keeps_the_question_once_and_retry_asks_that_question(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    # Neither question is one the rules can plan, so the model is asked which data to fetch
    # first (a planning call, with tools); the second one's planning call is refused.
    openai_server.script(
        Reply(text="done"), Reply(text="Hello!"),  # Say hello.: planned, answered
        Error.invalid_api_key(),  # What should I wear today?: planning refused
        Reply(text="done"), Reply(text="A coat."),  # /retry: that question again
    )
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url, BRIEFBOT_MAX_RETRIES="0")
    done = run_cli(env, "chat", input="Say hello.\nWhat should I wear today?\n/retry\n")
    assert done.returncode == 11, done.stderr
    assert "unexpected" not in done.stderr and "rejected" in done.stderr
    assert stored_messages(tmp_path) == [
        ("user", "complete", "Say hello."), ("assistant", "complete", "Hello!"),
        ("user", "complete", "What should I wear today?"), ("assistant", "complete", "A coat."),
    ]
    retried = json.dumps(openai_server.completion_requests[-1].body["messages"])
    assert "What should I wear today?" in retried
    assert openai_server.pending == 0


def test_ask_whose_planning_call_is_rate_limited_keeps_the_question(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    openai_server.script(Error.rate_limit(retry_after_ms=1))
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url, BRIEFBOT_MAX_RETRIES="0")
    done = run_cli(env, "ask", "--json", "What should I wear today?")
    assert done.returncode == 13, done.stderr
    assert json.loads(done.stdout)["status"] == "error"
    assert stored_messages(tmp_path) == [("user", "complete", "What should I wear today?"), ("assistant", "error", "")]
