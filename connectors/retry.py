"""The one retry policy for every connector request, built on tenacity.

What is retried: only failures that can succeed on a second try — timeouts, connection
errors, HTTP 429 and 5xx. A 4xx like "unknown symbol" is an answer, never retried.

How long: exponential backoff with jitter (so many clients recovering together do not hit
the source in lock-step), except that a ``Retry-After`` header is obeyed exactly. The whole
exchange, sleeps included, is bounded by a total deadline: when the next wait would cross
it, we stop at once instead of sleeping only to give up.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type

T = TypeVar("T")
# "stalled"/"truncated": the answer began but stopped arriving, or was cut off mid-body.
FailureKind = Literal["timeout", "connection", "status", "stalled", "truncated"]


class TransientFailure(Exception):
    """One failed attempt that may succeed if repeated. Internal: never reaches a user."""

    def __init__(
        self,
        kind: FailureKind,
        detail: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    initial_wait: float = 0.5
    max_wait: float = 8.0
    jitter: float = 0.5


@dataclass
class RetryOutcome:
    """What the attempts looked like; read by the error translator after giving up."""

    attempts: int = 0
    stopped_by_deadline: bool = False


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def backoff_seconds(policy: RetryPolicy, attempt_number: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with additive jitter: initial·2^(n-1) + U(0, jitter), capped at max_wait."""
    base: float = policy.initial_wait * 2.0 ** max(0, attempt_number - 1)
    jitter: float = rng.uniform(0, policy.jitter) if rng else random.uniform(0, policy.jitter)
    return min(policy.max_wait, base + jitter)


def call_with_retries(
    attempt: Callable[[], T],
    *,
    policy: RetryPolicy,
    deadline_at: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    outcome: RetryOutcome,
    on_retry: Callable[[TransientFailure, float], None] | None = None,
) -> T:
    """Run ``attempt`` until it returns, raises a non-transient error, or the policy gives up.

    On giving up, the last :class:`TransientFailure` is re-raised; ``outcome`` tells how many
    attempts were made and whether the deadline (rather than the attempt cap) stopped us.
    """

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TransientFailure) and exc.retry_after is not None:
            return float(exc.retry_after)
        return backoff_seconds(policy, state.attempt_number)

    def stop(state: RetryCallState) -> bool:
        if state.attempt_number >= policy.max_attempts:
            return True
        if clock() + state.upcoming_sleep >= deadline_at:
            outcome.stopped_by_deadline = True
            return True
        return False

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if on_retry is not None and isinstance(exc, TransientFailure):
            on_retry(exc, state.upcoming_sleep)

    def counted() -> T:
        outcome.attempts += 1
        return attempt()

    retrying = Retrying(
        retry=retry_if_exception_type(TransientFailure),
        wait=wait,
        stop=stop,
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(counted)
