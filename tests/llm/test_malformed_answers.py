"""Answers that are no chat completion at all — a body that is not JSON, JSON of another shape —
found by the chaos suite (tests/chaos/test_chaos_answers.py).

The SDK validates neither bodies nor stream chunks: it raises ``JSONDecodeError`` (no
``OpenAIError``) or hands over ``None``, a list, or a chunk whose ``choices`` is null. Each used to
end the command with exit 1 ("unexpected ..."), a chat included. Now each is a server error
(exit 18) whose partial text is kept incomplete, and a chat goes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot import errors
from bot.llm.events import StreamEvent, TextDelta
from bot.llm.openai_backend import OpenAIBackend
from bot.llm.streaming import complete_reply, stream_reply
from bot.planner.plan import Plan
from bot.planner.tools import plan_with_tools
from bot.settings import Settings
from tests.conftest import RunCli, scratch_env
from tests.support.history_rows import stored_messages
from tests.support.openai_server import BAD_CHUNKS, OpenAIServer, Reply

KEY = "sk-test-CANARY0123456789abcdefWXYZ"
MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "Weather?"}]


def _backend(server: OpenAIServer) -> OpenAIBackend:
    settings = Settings(openai_api_key=SecretStr(KEY), openai_base_url=server.base_url, max_retries=0, timeout=5.0)
    return OpenAIBackend(settings, redactor=settings.redactor(), model="gpt-4o-mini")


@pytest.mark.parametrize("bad", BAD_CHUNKS)
def test_a_stream_chunk_that_is_no_chunk_is_a_server_error_keeping_the_text_before_it(
    openai_server: OpenAIServer, bad: str
) -> None:
    openai_server.script(Reply(text="Sunny and warm today.", bad_chunk=bad, bad_chunk_at=2))
    shown: list[str] = []

    def on_event(event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            shown.append(event.text)

    outcome = stream_reply(_backend(openai_server), MESSAGES, max_tokens=20, temperature=None, on_event=on_event)
    assert isinstance(outcome.error, errors.ServerError) and outcome.error.exit_code == 18
    assert "".join(shown) == outcome.reply.text == "Sunny"
    assert outcome.reply.status == "incomplete"


@pytest.mark.parametrize("bad", BAD_CHUNKS)
def test_a_plain_answer_that_is_no_completion_is_a_server_error(openai_server: OpenAIServer, bad: str) -> None:
    openai_server.script(Reply(bad_chunk=bad))
    with pytest.raises(errors.ServerError) as info:
        complete_reply(_backend(openai_server), MESSAGES, max_tokens=20, temperature=None)
    assert "not a chat completion" in str(info.value) and KEY not in str(info.value)


@pytest.mark.parametrize("bad", BAD_CHUNKS)
def test_a_planning_answer_that_is_no_completion_is_a_server_error(openai_server: OpenAIServer, bad: str) -> None:
    openai_server.script(Reply(bad_chunk=bad))
    backend = _backend(openai_server)
    with pytest.raises(errors.ServerError):
        plan_with_tools(backend.client, "Say hello.", plan=Plan(steps=[], confident=False, lang="en"),
                        model="gpt-4o-mini", fetcher=lambda steps: ([], []))


def test_ask_with_an_answer_that_is_not_json_is_exit_18_and_the_question_is_kept(
    run_cli: RunCli, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    openai_server.script(Reply(bad_chunk=BAD_CHUNKS[0]))
    env = scratch_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url, BRIEFBOT_MAX_RETRIES="0",
                      BRIEFBOT_GROUNDING="0")
    done = run_cli(env, "ask", "--no-stream", "Say hello.")
    assert done.returncode == 18, done.stderr
    assert "unexpected" not in done.stderr and "not a chat completion" in done.stderr
    assert stored_messages(tmp_path) == [("user", "complete", "Say hello."), ("assistant", "error", "")]
