"""Real HTTP receivers on 127.0.0.1 that answer as Slack, Discord, Telegram and a
Standard Webhooks consumer do, including their error bodies and rate limits.

One threaded server hosts all four under their real path shapes:

    POST /services/T0/B0/<secret>              Slack incoming webhook     200 "ok"
    POST /api/webhooks/<id>/<token>?wait=true  Discord webhook            200 message JSON (204 without wait)
    POST /bot<token>/sendMessage|sendPhoto     Telegram Bot API           {"ok": true, "result": {...}}
    POST /hooks/<name>                         Standard Webhooks receiver 204, verifies the signature

``fail(prefix, *faults)`` queues faults (503, 429 with Retry-After, a service error) that
the next requests under that prefix get before the service behaves. Every request that
the service *accepted* is logged in ``accepted`` with what it would show; the webhook
receiver, like a real one, drops a repeated ``webhook-id`` (logged in ``duplicates``).
``latency`` delays every answer after the message was accepted: the window in which a
killed sender has been heard but has not recorded it.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SLACK_PATH = "/services/T0000000/B0000000/SlackCanarySecret0123456789"
DISCORD_PATH = "/api/webhooks/1234567890/DiscordCanaryTokenXXXXXXXXXXXXXXXXXXXXXXXX"
TELEGRAM_TOKEN = "123456789:TelegramCanaryTokenXXXXXXXXXXXXXXXXXXX"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"canary-signing-key-0123456789abcdef").decode()
TOLERANCE_S = 300


@dataclass(frozen=True)
class Fault:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def slack_fault(status: int, error: str, retry_after: str | None = None) -> Fault:
    headers = {"Content-Type": "text/html"} | ({"Retry-After": retry_after} if retry_after else {})
    return Fault(status, error.encode(), headers)


def discord_rate_limit(retry_after: float) -> Fault:
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    return Fault(429, json.dumps(body).encode(), {
        "Content-Type": "application/json", "Retry-After": str(int(retry_after + 0.999)),
        "X-RateLimit-Scope": "user",
    })


def telegram_error(code: int, description: str, retry_after: int | None = None) -> Fault:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return Fault(code, json.dumps(body).encode(), {"Content-Type": "application/json"})


def plain(status: int, text: str = "", **headers: str) -> Fault:
    return Fault(status, text.encode(), {"Content-Type": "text/plain", **headers})


@dataclass
class Accepted:
    service: str
    text: str  # what a reader would see (message text, caption, or the webhook's event type)
    request_key: str  # identifies the logical message: webhook-id, or the text itself
    files: list[tuple[str, int]] = field(default_factory=list)  # (filename, byte size)
    headers: dict[str, str] = field(default_factory=dict)


class Receivers:
    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self._lock = threading.Lock()
        self._faults: dict[str, list[Fault]] = {}
        self.accepted: list[Accepted] = []
        self.duplicates: list[str] = []  # webhook-ids received again after being accepted
        self.requests: list[str] = []  # every request path, in order
        self.user_agents: list[str] = []
        self.bad_signatures = 0
        self._ids = 1000
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                receivers._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # -- control -------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail(self, prefix: str, *faults: Fault) -> None:
        with self._lock:
            self._faults.setdefault(prefix, []).extend(faults)

    def count(self, prefix: str) -> int:
        with self._lock:
            return sum(1 for p in self.requests if p.startswith(prefix))

    def of(self, service: str) -> list[Accepted]:
        with self._lock:
            return [a for a in self.accepted if a.service == service]

    def __enter__(self) -> Receivers:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- serving -------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", "0"))
        raw = request.rfile.read(length)
        path = urlsplit(request.path).path
        with self._lock:
            self.requests.append(request.path)
            self.user_agents.append(request.headers.get("User-Agent", ""))
            fault = next((q.pop(0) for p, q in self._faults.items() if path.startswith(p) and q), None)
        if fault is not None:
            self._reply(request, fault.status, fault.body, fault.headers)
            return
        if path.startswith("/services/"):
            status, body, headers = self._slack(raw)
        elif path.startswith("/api/webhooks/"):
            status, body, headers = self._discord(request, raw)
        elif path.startswith("/bot"):
            status, body, headers = self._telegram(request, path, raw)
        elif path.startswith("/hooks/"):
            status, body, headers = self._webhook(request, raw)
        else:
            status, body, headers = 404, b"not found", {"Content-Type": "text/plain"}
        if self.latency and 200 <= status < 300:
            time.sleep(self.latency)
        self._reply(request, status, body, headers)

    def _reply(self, request: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
        try:
            request.send_response(status)
            for name, value in headers.items():
                request.send_header(name, value)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            request.close_connection = True  # the sender was killed while we answered: expected in the crash test

    def _accept(self, item: Accepted) -> None:
        with self._lock:
            self.accepted.append(item)

    def _next_id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids

    def _slack(self, raw: bytes) -> tuple[int, bytes, dict[str, str]]:
        try:
            payload = json.loads(raw)
        except ValueError:
            return 400, b"invalid_payload", {"Content-Type": "text/html"}
        blocks = payload.get("blocks")
        if not payload.get("text") and not blocks:
            return 400, b"no_text", {"Content-Type": "text/html"}
        if blocks is not None:
            if len(blocks) > 50 or any(len(b.get("text", {}).get("text", "")) > 3000 for b in blocks):
                return 400, b"invalid_blocks", {"Content-Type": "text/html"}
            if any(b["type"] == "header" and len(b["text"]["text"]) > 150 for b in blocks):
                return 400, b"invalid_blocks", {"Content-Type": "text/html"}
        text = "\n\n".join(b["text"]["text"] for b in blocks or [])
        self._accept(Accepted("slack", text, request_key=text))
        return 200, b"ok", {"Content-Type": "text/html"}

    def _discord(self, request: BaseHTTPRequestHandler, raw: bytes) -> tuple[int, bytes, dict[str, str]]:
        files: list[tuple[str, int]] = []
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/form-data"):
            form = _multipart(ctype, raw)
            payload = json.loads(form["payload_json"][1])
            files = [(name, len(data)) for key, (name, data) in form.items() if key.startswith("files[")]
        else:
            payload = json.loads(raw)
        content = payload.get("content") or ""
        if not content and not files:
            return 400, json.dumps({"message": "Cannot send an empty message", "code": 50006}).encode(), {
                "Content-Type": "application/json"}
        if len(content) > 2000:
            body = {"code": 50035, "errors": {"content": {"_errors": [
                {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}},
                "message": "Invalid Form Body"}
            return 400, json.dumps(body).encode(), {"Content-Type": "application/json"}
        message_id = str(1_100_000_000_000_000_000 + self._next_id())
        self._accept(Accepted("discord", content, request_key=content + repr(files), files=files))
        if parse_qs(urlsplit(request.path).query).get("wait") != ["true"]:
            return 204, b"", {}
        message = {"id": message_id, "type": 0, "content": content, "channel_id": "111", "webhook_id": "1234567890",
                   "attachments": [{"id": "9", "filename": n, "size": s} for n, s in files]}
        return 200, json.dumps(message).encode(), {"Content-Type": "application/json"}

    def _telegram(self, request: BaseHTTPRequestHandler, path: str, raw: bytes) -> tuple[int, bytes, dict[str, str]]:
        token, _, method = path[len("/bot"):].partition("/")
        if token != TELEGRAM_TOKEN:
            return 401, json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}).encode(), {
                "Content-Type": "application/json"}
        ctype = request.headers.get("Content-Type", "")
        files: list[tuple[str, int]] = []
        if ctype.startswith("multipart/form-data"):
            form = _multipart(ctype, raw)
            fields = {k: v[1].decode() for k, v in form.items() if k != "photo"}
            if "photo" in form:
                files = [(form["photo"][0], len(form["photo"][1]))]
        else:
            fields = json.loads(raw)
        text = fields.get("text") if method == "sendMessage" else fields.get("caption", "")
        if method == "sendMessage" and len(str(text).encode("utf-16-le")) // 2 > 4096:
            return 400, json.dumps({"ok": False, "error_code": 400,
                                    "description": "Bad Request: message is too long"}).encode(), {
                "Content-Type": "application/json"}
        if "parse_mode" in fields:
            return 400, json.dumps({"ok": False, "error_code": 400, "description":
                                    "Bad Request: can't parse entities"}).encode(), {"Content-Type": "application/json"}
        message_id = self._next_id()
        self._accept(Accepted("telegram", str(text), request_key=f"{method}:{text}", files=files))
        result = {"message_id": message_id, "chat": {"id": int(fields["chat_id"]), "type": "group"},
                  "date": int(time.time())}
        result["text" if method == "sendMessage" else "caption"] = text
        return 200, json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode(), {
            "Content-Type": "application/json"}

    def _webhook(self, request: BaseHTTPRequestHandler, raw: bytes) -> tuple[int, bytes, dict[str, str]]:
        message_id = request.headers.get("webhook-id", "")
        timestamp = request.headers.get("webhook-timestamp", "")
        signatures = request.headers.get("webhook-signature", "")
        key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
        expected = base64.b64encode(
            hmac.new(key, f"{message_id}.{timestamp}.".encode() + raw, hashlib.sha256).digest()).decode()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= TOLERANCE_S
        valid = any(
            s.startswith("v1,") and hmac.compare_digest(s[3:], expected) for s in signatures.split(" ")
        )
        if not (message_id and fresh and valid):
            with self._lock:
                self.bad_signatures += 1
            return 400, b'{"error":"invalid signature"}', {"Content-Type": "application/json"}
        with self._lock:
            seen = any(a.service == "webhook" and a.request_key == message_id for a in self.accepted)
            if seen:
                self.duplicates.append(message_id)
        if not seen:
            event = json.loads(raw)
            self._accept(Accepted("webhook", event["type"], request_key=message_id,
                                  headers={k.lower(): v for k, v in request.headers.items()}))
        return 204, b"", {}


def _multipart(content_type: str, raw: bytes) -> dict[str, tuple[str, bytes]]:
    """name -> (filename or "", bytes), parsed the way a real server's form parser does."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    out: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        out[str(name)] = (part.get_filename() or "", payload if isinstance(payload, bytes) else b"")
    return out
