"""The typed values the history store takes and returns. Timestamps are aware UTC datetimes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]
Status = Literal["complete", "incomplete", "error"]
ROLES: frozenset[str] = frozenset({"system", "user", "assistant", "tool"})
STATUSES: frozenset[str] = frozenset({"complete", "incomplete", "error"})


@dataclass(frozen=True)
class TurnUsage:
    """Tokens and cost of one LLM call.

    ``estimated`` is True when the counts were made locally (the server sent no usage);
    ``cost_usd`` is None when the price of the model is unknown, which is not the same as 0.
    """

    prompt_tokens: int
    completion_tokens: int
    estimated: bool = False
    cost_usd: float | None = None

    def __post_init__(self) -> None:
        if self.prompt_tokens < 0 or self.completion_tokens < 0:
            raise ValueError("token counts cannot be negative")
        if self.cost_usd is not None and self.cost_usd < 0:
            raise ValueError("cost cannot be negative")


@dataclass(frozen=True)
class StoredMessage:
    id: int
    conversation_id: int
    seq: int
    role: str
    content: str
    status: str
    model: str | None
    created_at: datetime
    error: str | None
    persona: str | None = None  # the persona in effect when an answer was written
    sources: tuple[dict[str, Any], ...] = ()  # what the answer was given (SourceRef.to_json())
    cancelled: bool = False  # the user stopped this turn (Ctrl-C); its text is what was shown


@dataclass(frozen=True)
class AnswerProvenance:
    """What an assistant message records besides its text: who wrote it under which persona, from what."""

    persona: str | None = None
    sources: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    cancelled: bool = False


@dataclass(frozen=True)
class ConversationInfo:
    id: int
    title: str | None
    model: str
    persona: str | None
    created_at: datetime
    updated_at: datetime
    message_count: int
    # The start of the first user message, for listings of untitled conversations.
    preview: str | None = None


@dataclass(frozen=True)
class UsageRow:
    """One group of the usage ledger (a UTC day, or a model)."""

    key: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None  # sum of the known costs; None when no call in the group had one
    unknown_cost_calls: int
    estimated_calls: int  # calls whose token counts were counted locally
