"""Per-host client-side rate limiting, so we stay inside each source's documented limits.

A sliding window per host: at most ``calls`` requests in any ``per_seconds`` window. It is
keyed by the *logical* upstream host (before ``BRIEFBOT_HTTP_REWRITE``), because the limits
belong to the provider, and it is shared by every thread of one runtime, so concurrent
fetches for one question still respect them together.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    calls: int
    per_seconds: float

    def __str__(self) -> str:
        return f"{self.calls}/{self.per_seconds:g}s"


class HostRateLimiter:
    def __init__(self, *, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: dict[str, deque[float]] = {}
        self._held_until: dict[str, float] = {}

    def acquire(self, host: str, rate: Rate | None) -> float:
        """Block until a request to ``host`` is allowed; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                delay = self._held_until.get(host, 0.0) - now
                if rate is not None and delay <= 0:
                    sent = self._sent.setdefault(host, deque())
                    while sent and sent[0] <= now - rate.per_seconds:
                        sent.popleft()
                    if len(sent) >= rate.calls:
                        delay = sent[0] + rate.per_seconds - now
                if delay <= 0:
                    if rate is not None:
                        self._sent.setdefault(host, deque()).append(now)
                    return waited
            # Sleep outside the lock so other hosts are not held up.
            self._sleep(delay)
            waited += delay

    def hold(self, host: str, seconds: float) -> None:
        """No request to ``host`` for ``seconds`` (a source said its budget is spent)."""
        with self._lock:
            until = self._clock() + seconds
            self._held_until[host] = max(self._held_until.get(host, 0.0), until)
