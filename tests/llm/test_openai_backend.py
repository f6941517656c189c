"""The `openai` backend through the real SDK against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from bot import errors
from bot.chat.session import ChatSession
from bot.llm.events import StreamEvent, TextDelta, UsageReported
from bot.llm.openai_backend import OpenAIBackend
from bot.llm.streaming import complete_reply, stream_reply
from bot.settings import Settings
from bot.store import HistoryStore
from tests.support.openai_server import Cut, Error, OpenAIServer, Reply

KEY = "sk-test-CANARY0123456789abcdefWXYZ"
MESSAGES: list[dict[str, Any]] = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}]


def backend_for(server: OpenAIServer, **overrides: Any) -> OpenAIBackend:
    values: dict[str, Any] = {
        "openai_api_key": KEY,
        "openai_base_url": server.base_url,
        "max_retries": 2,
        "timeout": 5.0,
        **overrides,
    }
    settings = Settings(**values)
    return OpenAIBackend(settings, redactor=settings.redactor(), model=settings.resolved_model())


def collect(backend: OpenAIBackend) -> tuple[list[StreamEvent], Any]:
    events: list[StreamEvent] = []
    outcome = stream_reply(backend, MESSAGES, max_tokens=50, temperature=None, on_event=events.append)
    return events, outcome


def test_plain_answer_with_usage(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="Sunny, 21 °C.", prompt_tokens=12, completion_tokens=6))
    reply = complete_reply(backend_for(openai_server), MESSAGES, max_tokens=50, temperature=None)
    assert (reply.text, reply.status, reply.model) == ("Sunny, 21 °C.", "complete", "gpt-4o-mini")
    assert reply.usage is not None
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.estimated) == (12, 6, False)
    request = openai_server.completion_requests[0]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    # A compatible server gets the classic field; OpenAI itself would get max_completion_tokens.
    assert request.body["max_tokens"] == 50 and "max_completion_tokens" not in request.body


def test_streamed_answer_requests_and_reports_usage(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="Sunny and warm today.", prompt_tokens=20, completion_tokens=4))
    events, outcome = collect(backend_for(openai_server))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Sunny and warm today."
    assert sum(isinstance(e, TextDelta) for e in events) > 1  # really streamed, piece by piece
    usage_events = [e for e in events if isinstance(e, UsageReported)]
    assert len(usage_events) == 1 and usage_events[0].usage.prompt_tokens == 20
    assert outcome.reply.status == "complete" and outcome.error is None
    body = openai_server.completion_requests[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_server_that_never_sends_usage_gets_a_local_count_marked_estimated(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="Sunny and warm today.", usage=False))
    events, outcome = collect(backend_for(openai_server))
    assert not any(isinstance(e, UsageReported) for e in events)
    usage = outcome.reply.usage
    assert usage is not None and usage.estimated
    # tiktoken's o200k count of the answer, plus the chat framing of the two messages.
    assert usage.completion_tokens == 5
    assert usage.prompt_tokens > 8


def test_401_is_an_authentication_error_without_the_key(openai_server: OpenAIServer) -> None:
    openai_server.script(Error.invalid_api_key())
    with pytest.raises(errors.AuthenticationError) as info:
        complete_reply(backend_for(openai_server), MESSAGES, max_tokens=5, temperature=None)
    assert info.value.exit_code == 11
    assert "rejected" in str(info.value) and "OPENAI_API_KEY" in str(info.value)
    assert KEY not in str(info.value) and KEY[-20:] not in str(info.value)
    assert len(openai_server.completion_requests) == 1  # 401 is never retried


def test_429_with_retry_after_then_success(openai_server: OpenAIServer) -> None:
    openai_server.script(Error.rate_limit(retry_after_ms=20), Reply(text="ok"))
    reply = complete_reply(backend_for(openai_server), MESSAGES, max_tokens=5, temperature=None)
    assert reply.text == "ok"
    assert len(openai_server.completion_requests) == 2


def test_429_that_persists_ends_as_rate_limit_after_the_sdk_retries(openai_server: OpenAIServer) -> None:
    openai_server.script(*[Error.rate_limit(retry_after_ms=10)] * 3)
    with pytest.raises(errors.RateLimitError) as info:
        complete_reply(backend_for(openai_server, max_retries=2), MESSAGES, max_tokens=5, temperature=None)
    assert info.value.exit_code == 13 and "after 2 retries" in str(info.value)
    assert len(openai_server.completion_requests) == 3  # 1 + max_retries, no second retry loop


def test_insufficient_quota_is_not_a_rate_limit_and_is_sent_once(openai_server: OpenAIServer) -> None:
    # The SDK would retry this 429 like any other; with retries allowed, only one request goes out.
    openai_server.default = Error.insufficient_quota()
    with pytest.raises(errors.QuotaExceededError) as info:
        complete_reply(backend_for(openai_server, max_retries=2), MESSAGES, max_tokens=5, temperature=None)
    assert info.value.exit_code == 12 and "retrying will not help" in str(info.value)
    assert len(openai_server.completion_requests) == 1


def test_insufficient_quota_on_a_stream_is_sent_once(openai_server: OpenAIServer) -> None:
    openai_server.default = Error.insufficient_quota()
    with pytest.raises(errors.QuotaExceededError) as info:  # refused before any chunk: raised, not kept
        collect(backend_for(openai_server, max_retries=3))
    assert info.value.exit_code == 12
    assert len(openai_server.completion_requests) == 1
    assert openai_server.completion_requests[0].body["stream"] is True


def test_quota_after_a_rate_limit_stops_the_retries_there(openai_server: OpenAIServer) -> None:
    # Each response is judged on its own: the rate limit is retried, the quota answer ends it.
    openai_server.script(Error.rate_limit(retry_after_ms=10), Error.insufficient_quota(), Reply(text="never"))
    with pytest.raises(errors.QuotaExceededError):
        complete_reply(backend_for(openai_server, max_retries=3), MESSAGES, max_tokens=5, temperature=None)
    assert len(openai_server.completion_requests) == 2


@pytest.mark.parametrize("max_retries", [1, 3])
def test_rate_limit_429_is_still_tried_one_plus_max_retries_times(openai_server: OpenAIServer, max_retries: int) -> None:
    openai_server.default = Error.rate_limit(retry_after_ms=10)
    with pytest.raises(errors.RateLimitError) as info:
        complete_reply(backend_for(openai_server, max_retries=max_retries), MESSAGES, max_tokens=5, temperature=None)
    assert info.value.exit_code == 13
    assert len(openai_server.completion_requests) == 1 + max_retries


def test_500_then_success_and_persistent_500(openai_server: OpenAIServer) -> None:
    openai_server.script(Error.server_error(retry_after_ms=10), Reply(text="recovered"))
    assert complete_reply(backend_for(openai_server), MESSAGES, max_tokens=5, temperature=None).text == "recovered"
    openai_server.reset()
    openai_server.default = Error.server_error(retry_after_ms=10)
    with pytest.raises(errors.ServerError) as info:
        complete_reply(backend_for(openai_server, max_retries=1), MESSAGES, max_tokens=5, temperature=None)
    assert info.value.exit_code == 18 and "500" in str(info.value)


def test_context_too_long_and_unknown_model(openai_server: OpenAIServer) -> None:
    openai_server.script(Error.context_length_exceeded(), Error.model_not_found())
    backend = backend_for(openai_server, max_retries=0)
    with pytest.raises(errors.ContextTooLongError):
        complete_reply(backend, MESSAGES, max_tokens=5, temperature=None)
    with pytest.raises(errors.ModelNotFoundError) as info:
        complete_reply(backend, MESSAGES, max_tokens=5, temperature=None)
    assert "gpt-4o-mini" in str(info.value)


def test_stream_cut_midway_keeps_the_partial_answer_marked_incomplete(openai_server: OpenAIServer, tmp_path: Path) -> None:
    openai_server.script(Cut(text="The weather in Seoul is sunny today", after=3))
    backend = backend_for(openai_server)
    settings = Settings(openai_api_key=KEY, openai_base_url=openai_server.base_url)
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        session = ChatSession(backend, settings, store, persona=None)
        shown: list[str] = []
        result = session.ask("Weather?", on_event=lambda e: shown.append(e.text) if isinstance(e, TextDelta) else None)
        assert isinstance(result.error, errors.ServerError)
        assert result.reply.status == "incomplete"
        assert result.reply.text == "".join(shown) and result.reply.text.startswith("The weather")
        stored = store.messages(session.conversation_id or 0)
    assert [(m.role, m.status) for m in stored] == [("user", "complete"), ("assistant", "incomplete")]
    assert stored[1].content == result.reply.text


def test_ctrl_c_during_a_stream_keeps_partial_text(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="one two three four five six", chunk_delay=0.05))
    seen: list[str] = []

    def interrupt_after_two(event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            seen.append(event.text)
            if len(seen) == 2:
                raise KeyboardInterrupt

    outcome = stream_reply(backend_for(openai_server), MESSAGES, max_tokens=20, temperature=None, on_event=interrupt_after_two)
    assert outcome.interrupted and outcome.reply.status == "incomplete"
    assert outcome.reply.text == "".join(seen) == "one two"


def test_connection_refused_and_timeout(openai_server: OpenAIServer) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(openai_api_key=KEY, openai_base_url=f"http://127.0.0.1:{port}/v1", max_retries=0, timeout=2)
    closed = OpenAIBackend(settings, redactor=settings.redactor(), model="gpt-4o-mini")
    with pytest.raises(errors.EndpointUnreachableError) as info:
        complete_reply(closed, MESSAGES, max_tokens=5, temperature=None)
    assert info.value.exit_code == 16 and f"127.0.0.1:{port}" in str(info.value)

    openai_server.script(Reply(text="late", delay=3))
    with pytest.raises(errors.LLMTimeoutError):
        complete_reply(backend_for(openai_server, timeout=0.5, max_retries=0), MESSAGES, max_tokens=5, temperature=None)


def test_no_key_against_openai_itself_is_refused_before_any_call() -> None:
    settings = Settings(backend="openai")
    with pytest.raises(errors.AuthenticationError) as info:
        OpenAIBackend(settings, redactor=settings.redactor(), model="gpt-4o-mini")
    assert "no OPENAI_API_KEY" in str(info.value)
