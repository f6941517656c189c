"""A real HTTP server on 127.0.0.1 that replays recorded API payloads, optionally slowly.

Used by the connectors' end-to-end test (the real ``briefbot fetch`` process, pointed here
with ``BRIEFBOT_HTTP_REWRITE``) and by ``bench/bench_fetch.py`` (fixed latency per request,
to show that concurrent fetches overlap). Routes match the request path exactly; a route
given several replies plays them in order and then repeats the last (503 then 200, ...).
Every request is logged, so tests can assert how many were made.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    body: bytes
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
        return cls(json.dumps(payload, ensure_ascii=False).encode("utf-8"), status, dict(headers or {}))


class ReplayServer:
    def __init__(self, routes: Mapping[str, Reply | Iterable[Reply]] | None = None, *, latency: float = 0.0) -> None:
        self.latency = latency
        self._routes: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self.requests: list[str] = []  # "path?query" in arrival order
        self.headers: list[dict[str, str]] = []  # each request's headers, same order
        # Each request's client (host, port): one port for several requests means one kept-alive
        # connection, i.e. the client reused its HTTP session.
        self.clients: list[tuple[str, int]] = []
        # The most requests that were being answered at one moment: > 1 proves overlap
        # without timing anything.
        self.max_in_flight = 0
        self._in_flight = 0
        for path, replies in (routes or {}).items():
            self.route(path, replies)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                server._serve(self)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replay-server", daemon=True)

    def route(self, path: str, replies: Reply | Iterable[Reply]) -> None:
        with self._lock:
            self._routes[path] = [replies] if isinstance(replies, Reply) else list(replies)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{host_text}:{port}"

    def count(self, path_prefix: str = "") -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.startswith(path_prefix))

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        with self._lock:
            self.requests.append(handler.path)
            self.headers.append({k.lower(): v for k, v in handler.headers.items()})
            self.clients.append((str(handler.client_address[0]), int(handler.client_address[1])))
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            replies = self._routes.get(parts.path)
            reply = (replies.pop(0) if len(replies) > 1 else replies[0]) if replies else None
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self._in_flight -= 1
        if reply is None:
            reply = Reply.json({"error": f"no recorded reply for {parts.path}"}, status=404)
        handler.send_response(reply.status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(reply.body)
