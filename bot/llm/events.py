"""Typed events a streamed reply produces, and the finished reply they add up to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ReplyStatus = Literal["complete", "incomplete", "error"]


@dataclass(frozen=True)
class TokenUsage:
    prompt_tokens: int
    completion_tokens: int
    # True when counted by briefbot because the server did not report usage.
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class UsageReported:
    usage: TokenUsage


@dataclass(frozen=True)
class Finished:
    reason: str  # "stop", "length", "tool_calls", "content_filter", ...


StreamEvent = TextDelta | UsageReported | Finished


@dataclass(frozen=True)
class Reply:
    """A finished (or cut-short) answer."""

    text: str
    model: str
    status: ReplyStatus
    finish_reason: str | None
    usage: TokenUsage | None
    error: str | None = None
