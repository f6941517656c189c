"""A real HTTP server on 127.0.0.1 that holds its first answers until the test lets them go.

For tests that must act while a request is in flight (Ctrl-C mid-fetch, a brief run outlasting
its lease) without timing anything: :attr:`HeldUpstream.arrived` says a request is being held,
:meth:`HeldUpstream.release` lets every held and later request through. ``hold`` says how many
requests are held (the rest are answered at once); the answer is one recorded payload for every
path, so point a single data source at it with ``BRIEFBOT_HTTP_REWRITE``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.connectors.payloads import fixture

HOLD_AT_MOST = 600.0  # seconds; a test always releases (or stops the server) long before


class HeldUpstream:
    def __init__(self, recorded: str, *, hold: int | None = None) -> None:
        self.arrived = threading.Event()
        self.requests = 0
        self._hold = hold
        self._release = threading.Event()
        self._lock = threading.Lock()
        body = json.dumps(fixture(recorded)).encode()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                if upstream._take_turn():
                    upstream.arrived.set()
                    upstream._release.wait(HOLD_AT_MOST)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up on us: often the point of the test

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, name="held-upstream", daemon=True).start()

    def _take_turn(self) -> bool:
        """Count the request; whether it is one to hold."""
        with self._lock:
            self.requests += 1
            return self._hold is None or self.requests <= self._hold

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self.release()
        self._httpd.shutdown()
        self._httpd.server_close()


@contextmanager
def held_upstream(recorded: str, *, hold: int | None = None) -> Iterator[HeldUpstream]:
    upstream = HeldUpstream(recorded, hold=hold)
    try:
        yield upstream
    finally:
        upstream.close()
