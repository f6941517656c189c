"""Hostile OpenAI-compatible servers: a stream that just stops, a 429 asking to wait an hour,
a password in the base URL. The real SDK against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot import errors
from bot.llm.events import StreamEvent, TextDelta
from bot.llm.openai_backend import OpenAIBackend
from bot.llm.streaming import complete_reply, stream_reply
from bot.settings import Settings
from tests.support.openai_server import Error, OpenAIServer

KEY = "sk-test-CANARY0123456789abcdefWXYZ"
MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "Weather?"}]


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {"content": content} if content is not None else {}
    payload = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(payload)}\n\n".encode()


class _CloseDelimitedServer:
    """Streams SSE with no Content-Length and no chunked encoding (HTTP/1.0 style), then closes:
    the client cannot tell the end of the body from a cut, only [DONE] and finish_reason can."""

    def __init__(self, events: list[bytes]) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for event in events:
                    self.wfile.write(event)
                self.wfile.flush()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def close_delimited() -> Iterator[type[_CloseDelimitedServer]]:
    started: list[_CloseDelimitedServer] = []

    class Tracked(_CloseDelimitedServer):
        def __init__(self, events: list[bytes]) -> None:
            super().__init__(events)
            started.append(self)

    yield Tracked
    for server in started:
        server.close()


def _backend(base_url: str, **overrides: Any) -> OpenAIBackend:
    settings = Settings(**{"openai_api_key": KEY, "openai_base_url": base_url, "max_retries": 2, "timeout": 5.0, **overrides})
    return OpenAIBackend(settings, redactor=settings.redactor(), model=settings.resolved_model())


def _stream(backend: OpenAIBackend) -> tuple[str, Any]:
    shown: list[str] = []

    def on_event(event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            shown.append(event.text)

    outcome = stream_reply(backend, MESSAGES, max_tokens=20, temperature=None, on_event=on_event)
    return "".join(shown), outcome


def test_a_close_delimited_stream_without_done_is_an_incomplete_answer_exit_18(
    close_delimited: type[_CloseDelimitedServer],
) -> None:
    server = close_delimited([_chunk(""), _chunk("Sunny "), _chunk("and")])
    shown, outcome = _stream(_backend(server.base_url))
    assert shown == "Sunny and" and outcome.reply.text == "Sunny and"
    assert isinstance(outcome.error, errors.ServerError) and outcome.error.exit_code == 18
    assert outcome.reply.status == "incomplete" and not outcome.interrupted
    assert "no finish_reason" in str(outcome.error)


def test_a_finished_close_delimited_stream_is_complete(close_delimited: type[_CloseDelimitedServer]) -> None:
    # The control: the same server, when the answer did finish, is not reported as broken.
    server = close_delimited([_chunk(""), _chunk("Sunny."), _chunk(None, "stop"), b"data: [DONE]\n\n"])
    shown, outcome = _stream(_backend(server.base_url))
    assert outcome.error is None and outcome.reply.status == "complete" and shown == "Sunny."


def test_429_asking_to_wait_an_hour_states_how_many_requests_were_really_made(openai_server: OpenAIServer) -> None:
    openai_server.default = Error.rate_limit(retry_after=3600)
    with pytest.raises(errors.RateLimitError) as info:
        complete_reply(_backend(openai_server.base_url), MESSAGES, max_tokens=5, temperature=None)
    sent = len(openai_server.completion_requests)
    message = str(info.value)
    if sent == 1:
        assert "not retried" in message and "retries" not in message.replace("BRIEFBOT_MAX_RETRIES", "")
    else:
        assert f"after {sent - 1} retr" in message
    assert "3600" in message


def test_persistent_429_still_counts_the_sdk_retries(openai_server: OpenAIServer) -> None:
    openai_server.default = Error.rate_limit(retry_after_ms=10)
    with pytest.raises(errors.RateLimitError) as info:
        complete_reply(_backend(openai_server.base_url, max_retries=1), MESSAGES, max_tokens=5, temperature=None)
    assert len(openai_server.completion_requests) == 2 and "after 1 retry" in str(info.value)


def test_a_password_in_the_base_url_is_never_shown(openai_server: OpenAIServer) -> None:
    password = "pw-CANARY-s3cret-77"
    url = openai_server.base_url.replace("http://", f"http://alice:{password}@")
    openai_server.default = Error.server_error()
    backend = _backend(url, max_retries=0)
    assert password not in backend.describe() and "[REDACTED]@127.0.0.1" in backend.describe()
    with pytest.raises(errors.ServerError) as info:
        complete_reply(backend, MESSAGES, max_tokens=5, temperature=None)
    assert password not in str(info.value) and "alice" not in str(info.value)
