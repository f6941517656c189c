"""The HTTP client the OpenAI SDK sends through: the SDK's own defaults plus one response hook.

The SDK retries every 429 ``max_retries`` times, with backoff. A 429 whose error is
``insufficient_quota`` means the account has no credit left: no retry can succeed, each one
only delays the error and sends another request. The SDK obeys the ``x-should-retry``
response header (OpenAI's servers send it to steer client retries), so the hook sets it to
``false`` on quota 429s and the SDK stops at the first answer.

Why a hook and not ``max_retries=0`` with a loop of our own: everything else — rate-limit
429s with ``retry-after``/``retry-after-ms``, 408/409/5xx, connection errors, one idempotency
key across attempts — stays in the SDK's single, tested loop, and no private SDK method is
overridden. tests/llm pins the behaviour, so an SDK that stopped obeying the header would fail
there, not in production.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai

from bot.llm.openai_errors import error_object, is_quota_exhausted


class RequestCounter:
    """Requests the SDK really sent for one call: an error says "after 2 retries" only when
    there were two (a 429 asking to wait an hour is not retried at all)."""

    def __init__(self) -> None:
        self.sent = 0

    def start_call(self) -> None:
        self.sent = 0

    def on_request(self, request: httpx2.Request) -> None:
        self.sent += 1

    @property
    def retries(self) -> int:
        return max(0, self.sent - 1)


def sdk_http_client(counter: RequestCounter | None = None) -> httpx2.Client:
    # DefaultHttpxClient keeps the SDK's timeout, connection limits and redirect defaults,
    # which a bare httpx2.Client would replace with httpx2's own.
    hooks: dict[str, list[Any]] = {"response": [stop_retries_on_exhausted_quota]}
    if counter is not None:
        hooks["request"] = [counter.on_request]
    return openai.DefaultHttpxClient(event_hooks=hooks)


def stop_retries_on_exhausted_quota(response: httpx2.Response) -> None:
    if response.status_code != 429:
        return
    # Hooks run before the body is read (streamed requests included); a 429 body is a few
    # hundred bytes, and the SDK reads the same buffered content for its error afterwards.
    response.read()
    try:
        body = json.loads(response.content)
    except ValueError:
        return
    if is_quota_exhausted(error_object(body)):
        response.headers["x-should-retry"] = "false"
