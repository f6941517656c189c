"""The interface every LLM backend implements."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

# Chat Completions messages as plain dicts ({"role": ..., "content": ...}): the wire format.
ChatMessage = dict[str, Any]


class ChunkStream(Protocol):
    """An iterator of chunks that must be closed, even when abandoned half way."""

    def __iter__(self) -> Iterator[ChatCompletionChunk]: ...

    def close(self) -> None: ...


class ChatBackend(Protocol):
    name: str  # "openai" or "local"
    model: str
    supports_tools: bool
    default_max_tokens: int  # answer length when BRIEFBOT_MAX_TOKENS is unset

    def complete(self, messages: list[ChatMessage], *, max_tokens: int, temperature: float | None) -> ChatCompletion:
        """One finished completion. Raises bot.errors.LLMError subclasses."""

    def stream(self, messages: list[ChatMessage], *, max_tokens: int, temperature: float | None) -> ChunkStream:
        """Chunks as they are generated; usage is requested where the server supports it."""

    def count_prompt_tokens(self, messages: list[ChatMessage]) -> int:
        """Tokens the messages cost as a prompt (exact where the tokenizer is known)."""

    def count_text_tokens(self, text: str) -> int: ...

    def describe(self) -> str:
        """One line for `doctor` and `/model`: backend, model, endpoint or file."""

    def close(self) -> None: ...
