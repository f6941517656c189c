"""A real HTTP server on 127.0.0.1 that answers in OpenAI's Chat Completions wire format.

Why: the ``openai`` SDK (3.x) talks through ``httpx2``, which ``responses`` cannot intercept,
and OpenAI itself is unreachable from here. So end-to-end tests point the real SDK (or the
real ``briefbot`` process) at this server and script what "OpenAI" does next::

    with OpenAIServer() as server:
        server.script(Error.rate_limit(retry_after_ms=10), Reply(text="Sunny, 21 °C."))
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test-1")
        ...
        assert len(server.completion_requests) == 2

Behaviours, consumed one per ``POST /chat/completions`` (``server.default`` once the queue
is empty):

* ``Reply``  — a completion. Answers in the shape the request asked for: one JSON
  ``chat.completion`` object, or an SSE stream of ``chat.completion.chunk`` objects when the
  request had ``"stream": true``. ``usage=False`` imitates compatible servers that never
  report usage. ``tool_calls``, ``finish_reason``, ``delay`` and ``chunk_delay`` shape it further;
  ``stall``/``stall_after`` pause a stream after its first chunks (1: the role chunk came, no
  token yet) and ``bad_chunk`` sends an event that is not a chunk (not JSON, or JSON of another shape).
* ``Cut``    — starts answering, then drops the connection midway (no finish_reason, no [DONE]):
  a chunked body left without its terminator, or (``framing="close"``) a close-delimited body
  that simply ends, which only the missing finish_reason and [DONE] give away.
* ``Error``  — OpenAI's error body ``{"error": {message, type, param, code}}`` with a status and
  optional ``retry-after`` / ``retry-after-ms`` / ``x-should-retry`` headers. Named constructors
  build the real cases: ``Error.invalid_api_key()``, ``.rate_limit()``, ``.insufficient_quota()``,
  ``.context_length_exceeded()``, ``.model_not_found()``, ``.server_error()``, ``.overloaded()``.

Every request is recorded (method, path, headers, parsed JSON body). Header values carry API
keys, so they are kept for assertions but never logged nor shown in a repr.

Run as a process for CLI tests (prints ``READY <base_url>`` once it listens)::

    python -m tests.support.openai_server --port 0 --scenario 429-then-ok
"""

from __future__ import annotations

import argparse
import contextlib
import hmac
import itertools
import json
import logging
import math
import re
import signal
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any, Literal, Self, TypeAlias
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

DEFAULT_TEXT = "Hello from the local OpenAI test server."
# Events (or plain bodies) that are no chat completion: a half-written event that is not JSON, and
# JSON of another shape, as a broken proxy or compatible server sends. The SDK validates neither.
BAD_EVENT_DATA = '{"id": "chatcmpl-broken", "choices": [{"delta": {"content": "oops'
BAD_CHUNKS = (
    BAD_EVENT_DATA,
    "<html><body>502 Bad Gateway</body></html>",
    "null",
    "[]",
    "{}",
    '{"object": "chat.completion.chunk", "choices": null}',
    '{"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": 5}, "finish_reason": null}]}',
    '{"object": "chat.completion", "choices": [null]}',
)

DEFAULT_MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1-nano")
SYSTEM_FINGERPRINT = "fp_test000000"

# Deterministic ids keep failures reproducible; itertools.count is atomic under the GIL.
_ids = itertools.count(1)


def _next_id(prefix: str) -> str:
    return f"{prefix}{next(_ids):012d}"


# --------------------------------------------------------------------------- behaviours


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asks for. ``arguments`` may be a dict or a JSON string."""

    name: str
    arguments: str | Mapping[str, Any] = "{}"
    id: str | None = None

    def arguments_json(self) -> str:
        # The wire format carries arguments as a JSON *string*, not an object.
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(dict(self.arguments), ensure_ascii=False)


@dataclass(frozen=True)
class Reply:
    """A successful completion, plain or streamed as the request asks."""

    text: str | None = DEFAULT_TEXT
    tool_calls: Sequence[ToolCall] = ()
    usage: bool = True  # False: never report usage, even when the stream asked for it
    finish_reason: str | None = None  # None: "tool_calls" if there are tool calls, else "stop"
    prompt_tokens: int | None = None  # None: a deterministic estimate from the request
    completion_tokens: int | None = None  # None: one per streamed piece
    pieces: Sequence[str] | None = None  # exact content deltas; None: split before each word
    delay: float = 0.0  # seconds before the status line (timeout tests)
    chunk_delay: float = 0.0  # seconds between stream chunks (read-timeout, Ctrl-C tests)
    stall: float = 0.0  # seconds of silence once `stall_after` stream chunks are out (plain: before the body)
    stall_after: int = 1  # 1: after the role chunk, before the first token
    bad_chunk: str | None = None  # data of an event that is no chunk (BAD_EVENT_DATA: not JSON); plain: the body
    bad_chunk_at: int = 1  # the bad event comes before stream chunk N

    def content_pieces(self) -> list[str]:
        if self.pieces is not None:
            return list(self.pieces)
        text = self.text or ""
        # Word-sized deltas with their leading space, the way tokenizer output arrives.
        pieces: list[str] = re.findall(r"\s*\S+\s*$|\s*\S+", text)
        return pieces if "".join(pieces) == text else [text]

    def final_reason(self) -> str:
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"


@dataclass(frozen=True)
class Cut:
    """Start answering, then close the connection abruptly.

    Streams send the role chunk and ``after`` content deltas, then end the chunked body
    without its terminator: no finish_reason, no ``[DONE]``. Plain requests get a
    Content-Length for the whole body but only half of it. ``framing="close"``: neither
    Content-Length nor chunking, the body ends when the connection closes (HTTP/1.0 style), so
    the client sees a clean end of a body that is short.
    """

    text: str = DEFAULT_TEXT
    after: int = 2
    delay: float = 0.0
    framing: Literal["chunked", "close"] = "chunked"


@dataclass(frozen=True)
class Error:
    """An HTTP error with OpenAI's exact error body."""

    status: int
    message: str = "An error occurred."
    type: str | None = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    retry_after: float | None = None  # seconds, sent as `retry-after`
    retry_after_ms: float | None = None  # sent as `retry-after-ms` (the SDK prefers it)
    should_retry: bool | None = None  # sent as `x-should-retry`, which the SDK obeys
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def body(self, model: str) -> dict[str, Any]:
        # `{model}` in a message is filled with the request's model, as OpenAI does.
        message = self.message.replace("{model}", model)
        return {"error": {"message": message, "type": self.type, "param": self.param, "code": self.code}}

    def response_headers(self) -> dict[str, str]:
        out = dict(self.headers)
        if self.retry_after is not None:
            out["retry-after"] = _number(self.retry_after)
        if self.retry_after_ms is not None:
            out["retry-after-ms"] = _number(self.retry_after_ms)
        if self.should_retry is not None:
            out["x-should-retry"] = "true" if self.should_retry else "false"
        return out

    # The real cases, with OpenAI's own wording and classification.

    @classmethod
    def invalid_api_key(cls) -> Self:
        # OpenAI echoes a masked key; we echo a fixed mask so no key part ever leaves a test.
        return cls(
            401,
            "Incorrect API key provided: sk-****. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            type="invalid_request_error",
            code="invalid_api_key",
        )

    @classmethod
    def rate_limit(cls, *, retry_after: float | None = None, retry_after_ms: float | None = None) -> Self:
        return cls(
            429,
            "Rate limit reached for {model} in organization org-test on requests per min (RPM): "
            "Limit 3, Used 3, Requested 1. Please try again in 20s. "
            "Visit https://platform.openai.com/account/rate-limits to learn more.",
            type="requests",
            code="rate_limit_exceeded",
            retry_after=retry_after,
            retry_after_ms=retry_after_ms,
        )

    @classmethod
    def insufficient_quota(cls, *, should_retry: bool | None = None) -> Self:
        return cls(
            429,
            "You exceeded your current quota, please check your plan and billing details. "
            "For more information on this error, read the docs: "
            "https://platform.openai.com/docs/guides/error-codes/api-errors.",
            type="insufficient_quota",
            code="insufficient_quota",
            should_retry=should_retry,
        )

    @classmethod
    def context_length_exceeded(cls, *, limit: int = 128000, used: int = 130000) -> Self:
        return cls(
            400,
            f"This model's maximum context length is {limit} tokens. However, your messages "
            f"resulted in {used} tokens. Please reduce the length of the messages.",
            type="invalid_request_error",
            code="context_length_exceeded",
            param="messages",
        )

    @classmethod
    def model_not_found(cls) -> Self:
        return cls(
            404,
            "The model `{model}` does not exist or you do not have access to it.",
            type="invalid_request_error",
            code="model_not_found",
        )

    @classmethod
    def server_error(cls, *, retry_after_ms: float | None = None) -> Self:
        return cls(
            500,
            "The server had an error while processing your request. Sorry about that!",
            type="server_error",
            retry_after_ms=retry_after_ms,
        )

    @classmethod
    def overloaded(cls, *, retry_after_ms: float | None = None) -> Self:
        return cls(
            503,
            "The engine is currently overloaded, please try again later.",
            type="server_error",
            retry_after_ms=retry_after_ms,
        )


Behaviour: TypeAlias = Reply | Cut | Error
Schedule: TypeAlias = "Callable[[RecordedRequest], Behaviour]"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# --------------------------------------------------------------------------- wire payloads
# Pure functions from (behaviour, request) to the JSON objects OpenAI would send.


def estimate_prompt_tokens(body: Mapping[str, Any]) -> int:
    """A deterministic stand-in for the prompt count (≈4 characters a token, +3 a message).

    Not tiktoken: tests needing exact figures set ``Reply(prompt_tokens=...)``.
    """
    total = 3
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, Mapping) else None
        if isinstance(content, list):  # content parts: count the text ones
            content = "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
        total += 3 + math.ceil(len(content or "") / 4)
    return total


def usage_payload(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _token_counts(reply: Reply, body: Mapping[str, Any]) -> tuple[int, int]:
    prompt = reply.prompt_tokens if reply.prompt_tokens is not None else estimate_prompt_tokens(body)
    if reply.completion_tokens is not None:
        return prompt, reply.completion_tokens
    args = sum(math.ceil(len(c.arguments_json()) / 4) for c in reply.tool_calls)
    return prompt, len(reply.content_pieces()) + args


def _call_ids(reply: Reply) -> list[str]:
    return [c.id or _next_id("call_") for c in reply.tool_calls]


def completion_payload(reply: Reply, body: Mapping[str, Any]) -> dict[str, Any]:
    """The ``chat.completion`` object answering a non-streaming request."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": reply.text,
        "refusal": None,
        "annotations": [],
    }
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": call_id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_json()}}
            for c, call_id in zip(reply.tool_calls, _call_ids(reply), strict=True)
        ]
    payload: dict[str, Any] = {
        "id": _next_id("chatcmpl-"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model", "")),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": reply.final_reason()}],
        "service_tier": "default",
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }
    if reply.usage:
        payload["usage"] = usage_payload(*_token_counts(reply, body))
    return payload


def wants_usage(body: Mapping[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, Mapping) and options.get("include_usage") is True


def chunk_payloads(reply: Reply, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of a stream, in order, without ``[DONE]``."""
    send_usage = reply.usage and wants_usage(body)
    head: dict[str, Any] = {
        "id": _next_id("chatcmpl-"),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": str(body.get("model", "")),
        "service_tier": "default",
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        out = {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}
        if send_usage:
            out["usage"] = None  # OpenAI sends null on every chunk but the last when asked
        return out

    chunks = [chunk({"role": "assistant", "content": "" if reply.text is not None else None, "refusal": None})]
    chunks += [chunk({"content": piece}) for piece in reply.content_pieces()]
    for index, (call, call_id) in enumerate(zip(reply.tool_calls, _call_ids(reply), strict=True)):
        # First the call's identity with empty arguments, then the arguments in pieces.
        chunks.append(chunk({"tool_calls": [{
            "index": index, "id": call_id, "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }]}))
        args = call.arguments_json()
        step = max(1, math.ceil(len(args) / 3))
        for start in range(0, len(args), step):
            piece = {"index": index, "function": {"arguments": args[start : start + step]}}
            chunks.append(chunk({"tool_calls": [piece]}))
    chunks.append(chunk({}, reply.final_reason()))
    if send_usage:
        chunks.append({**head, "choices": [], "usage": usage_payload(*_token_counts(reply, body))})
    return chunks


def models_payload(models: Sequence[str]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": m, "object": "model", "created": 1721172741, "owned_by": "system"} for m in models],
    }


# --------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received. ``headers`` has lower-case names and is kept out of repr."""

    method: str
    path: str
    headers: Mapping[str, str] = field(repr=False)
    body: Any  # parsed JSON, or None (GET, empty or unparseable body)

    @property
    def route(self) -> str:
        """The path without query and without the ``/v1`` prefix, e.g. ``/chat/completions``."""
        path = urlsplit(self.path).path.rstrip("/")
        return path[3:] if path.startswith("/v1/") else path


class _ClientGone(Exception):
    """The client hung up (or the server is stopping) while we were answering."""


class OpenAIServer:
    """A scripted OpenAI Chat Completions endpoint on 127.0.0.1, served from a thread."""

    def __init__(
        self,
        *,
        default: Behaviour | None = None,
        api_key: str | None = None,
        models: Sequence[str] = DEFAULT_MODELS,
        host: str = "127.0.0.1",
        port: int = 0,
        schedule: Schedule | None = None,
    ) -> None:
        self.default: Behaviour = default if default is not None else Reply()
        # Once the scripted queue is empty, each completion request's behaviour comes from
        # `schedule(request)` when set (seeded fault schedules), else `default`.
        self.schedule = schedule
        # When set, requests must carry `Authorization: Bearer <api_key>` or get OpenAI's 401.
        self.api_key = api_key
        self.models = tuple(models)
        self._address = (host, port)
        self._queue: deque[Behaviour] = deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._stopping.clear()
        self._httpd = _HTTPServer(self._address, _Handler, self)
        # A short poll interval: stop() waits for the serve loop to notice, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="openai-test-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping in a delay
        httpd.shutdown()
        # Idle keep-alive connections would keep their handler threads blocked on a read.
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The root URL, without ``/v1`` (both forms are served)."""
        return f"http://{self._address[0]}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass as the SDK's ``base_url`` / ``OPENAI_BASE_URL``."""
        return f"{self.url}/v1"

    # scripting and inspection

    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours for the next chat completion requests, in order."""
        with self._lock:
            self._queue.extend(behaviours)

    @property
    def pending(self) -> int:
        """Scripted behaviours not used yet (assert 0 to prove every step happened)."""
        with self._lock:
            return len(self._queue)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def completion_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.route == "/chat/completions"]

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self._requests.clear()

    # used by the handler

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _next_behaviour(self, request: RecordedRequest) -> Behaviour:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        # Outside the lock: a schedule may take its own (and read `requests`).
        return self.schedule(request) if self.schedule is not None else self.default

    def _track(self, conn: socket.socket, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(conn)

    def _sleep(self, seconds: float) -> None:
        """Sleep, but give up at once when the server stops."""
        if seconds > 0 and self._stopping.wait(seconds):
            raise _ClientGone


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a handler stuck on a dead client must not block interpreter exit

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: OpenAIServer) -> None:
        self.app = app
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients drop keep-alive connections with a reset (e.g. the SDK closing a stream it
        # did not read to the end): routine here, not worth a traceback on stderr.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1: keep-alive like the real API, and chunked streams whose missing
    # terminator is what makes a cut stream detectable by the client.
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.app._track(self.connection, True)

    def finish(self) -> None:
        self.server.app._track(self.connection, False)
        with contextlib.suppress(OSError):  # the client may be gone already
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        # Only the request line and status reach this; never headers (they carry keys).
        log.debug("openai test server: " + format, *args)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        app = self.server.app
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body: Any = None
        bad_json = False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                bad_json = True
        request = RecordedRequest(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        app._record(request)
        try:
            self._answer(app, request, bad_json)
        except (_ClientGone, BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _answer(self, app: OpenAIServer, request: RecordedRequest, bad_json: bool) -> None:
        auth_error = self._check_key(app.api_key)
        if auth_error is not None:
            return self._send_error(auth_error, "")
        route = (request.method, request.route)
        if route == ("GET", "/models"):
            return self._send_json(200, models_payload(app.models))
        if route != ("POST", "/chat/completions"):
            return self._send_error(Error(404, f"Invalid URL ({request.method} {urlsplit(request.path).path})"), "")
        if bad_json or not isinstance(request.body, dict):
            return self._send_error(Error(400, "We could not parse the JSON body of your request."), "")
        body: dict[str, Any] = request.body
        for name in ("model", "messages"):
            if name not in body:
                message = f"Missing required parameter: '{name}'."
                return self._send_error(Error(400, message, param=name, code="missing_required_parameter"), "")
        model = str(body["model"])

        behaviour = app._next_behaviour(request)
        app._sleep(behaviour.delay)
        if isinstance(behaviour, Error):
            self._send_error(behaviour, model)
        elif isinstance(behaviour, Cut):
            self._send_cut(behaviour, body)
        elif body.get("stream") is True:
            self._send_stream(behaviour, body)
        elif behaviour.bad_chunk is not None:
            app._sleep(behaviour.stall)
            data = behaviour.bad_chunk.encode()
            self._start(200, {"Content-Type": "application/json", "Content-Length": str(len(data))})
            self.wfile.write(data)
        else:
            app._sleep(behaviour.stall)
            self._send_json(200, completion_payload(behaviour, body))

    def _check_key(self, expected: str | None) -> Error | None:
        if expected is None:
            return None
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return Error(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization "
                "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        if not hmac.compare_digest(token.encode(), expected.encode()):
            return Error.invalid_api_key()
        return None

    # responses

    def _start(self, status: int, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        self.send_header("x-request-id", _next_id("req_"))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _send_json(self, status: int, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self._start(status, {"Content-Type": "application/json", "Content-Length": str(len(data)), **(headers or {})})
        self.wfile.write(data)

    def _send_error(self, error: Error, model: str) -> None:
        self._send_json(error.status, error.body(model), error.response_headers())

    def _start_stream(self) -> None:
        self._start(200, {
            "Content-Type": "text/event-stream; charset=utf-8",
            "Transfer-Encoding": "chunked",
            "Cache-Control": "no-cache",
        })

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")

    def _write_event(self, payload: Mapping[str, Any] | str) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
        self._write_chunk(f"data: {text}\n\n".encode())

    def _send_stream(self, reply: Reply, body: Mapping[str, Any]) -> None:
        self._start_stream()
        for i, payload in enumerate(chunk_payloads(reply, body)):
            if i:
                self.server.app._sleep(reply.chunk_delay)
            if i == reply.stall_after:
                self.server.app._sleep(reply.stall)
            if i == reply.bad_chunk_at and reply.bad_chunk is not None:
                self._write_event(reply.bad_chunk)
            self._write_event(payload)
        self._write_event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")  # end of the chunked body

    def _send_cut(self, cut: Cut, body: Mapping[str, Any]) -> None:
        if body.get("stream") is True:
            # Role chunk plus `after` content deltas; the final chunk and [DONE] never come.
            reply = Reply(text=cut.text, usage=False)
            sent = min(cut.after, len(reply.content_pieces()))
            partial = chunk_payloads(reply, body)[: 1 + sent]
            if cut.framing == "close":
                self._start(200, {"Content-Type": "text/event-stream; charset=utf-8", "Connection": "close"})
                for payload in partial:
                    self.wfile.write(f"data: {json.dumps(payload, separators=(',', ':'))}\n\n".encode())
                return self._close()
            self._start_stream()
            for payload in partial:
                self._write_event(payload)
        elif cut.framing == "close":
            data = json.dumps(completion_payload(Reply(text=cut.text), body)).encode()
            self._start(200, {"Content-Type": "application/json", "Connection": "close"})
            self.wfile.write(data[: len(data) // 2])
            return self._close()
        else:
            data = json.dumps(completion_payload(Reply(text=cut.text), body)).encode()
            self._start(200, {"Content-Type": "application/json", "Content-Length": str(len(data))})
            self.wfile.write(data[: len(data) // 2])
        self._abort()

    def _close(self) -> None:
        # The body's end, as far as a close-delimited response can say: a clean FIN.
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)

    def _abort(self) -> None:
        # A FIN before the body is complete: the client sees an incomplete message, the way a
        # dropped proxy or a crashed upstream looks. (A RST could race the data already sent.)
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


# --------------------------------------------------------------------------- as a process

# name -> (scripted first behaviours, default behaviour afterwards)
SCENARIOS: dict[str, tuple[tuple[Behaviour, ...], Behaviour]] = {
    "ok": ((), Reply()),
    "stream": ((), Reply()),  # same as ok: a Reply streams whenever the request asks
    "stream-no-usage": ((), Reply(usage=False)),
    "cut": ((), Cut()),
    "error401": ((), Error.invalid_api_key()),
    "429-then-ok": ((Error.rate_limit(retry_after_ms=10),), Reply()),
    "500-then-ok": ((Error.server_error(),), Reply()),
    "503": ((), Error.overloaded()),
    "insufficient-quota": ((), Error.insufficient_quota()),
    "context-length": ((), Error.context_length_exceeded()),
    "model-not-found": ((), Error.model_not_found()),
    "slow": ((), Reply(delay=30.0)),
    "tool-call": ((Reply(text=None, tool_calls=(ToolCall("get_weather", {"city": "Seoul"}),)),), Reply()),
}


def _record_line(request: RecordedRequest) -> str:
    # For subprocess tests: header *names* only, and whether a bearer token came at all.
    auth = request.headers.get("authorization", "")
    return json.dumps({
        "method": request.method,
        "path": request.path,
        "header_names": sorted(request.headers),
        "bearer": auth.lower().startswith("bearer ") and len(auth) > 7,
        "body": request.body,
    })


class _RecordingServer(OpenAIServer):
    def __init__(self, record_path: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._record_path = record_path

    def _record(self, request: RecordedRequest) -> None:
        super()._record(request)
        if self._record_path:
            with self._lock, open(self._record_path, "a", encoding="utf-8") as f:
                f.write(_record_line(request) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve OpenAI Chat Completions locally for tests.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="ok")
    parser.add_argument("--text", help="reply text for the successful answers")
    parser.add_argument("--api-key", help="require this (fake) bearer key, else answer 401")
    parser.add_argument("--record", metavar="FILE", help="append one JSON line per request (no header values)")
    args = parser.parse_args(argv)

    scripted, default = SCENARIOS[args.scenario]
    if args.text is not None and isinstance(default, Reply):
        default = Reply(text=args.text, usage=default.usage, delay=default.delay)
    server = _RecordingServer(args.record, default=default, api_key=args.api_key, port=args.port)
    server.script(*scripted)

    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with server:
        print(f"READY {server.base_url}", flush=True)
        done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
