"""A pure accumulator: ChatCompletionChunks in, typed events and a final Reply out.

It does no I/O and never blocks, so it is tested on hand-made chunks; the thin iterator in
``bot.llm.streaming`` feeds it from a live stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.llm.events import Finished, Reply, ReplyStatus, StreamEvent, TextDelta, TokenUsage, UsageReported

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionChunk


class StreamAccumulator:
    def __init__(self, model: str) -> None:
        self.model = model
        self._parts: list[str] = []
        self.finish_reason: str | None = None
        self.usage: TokenUsage | None = None

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def feed(self, chunk: ChatCompletionChunk) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        if chunk.model:
            self.model = chunk.model
        for choice in chunk.choices:
            if choice.index != 0:
                continue  # briefbot asks for one choice; ignore any others a server adds
            content = choice.delta.content if choice.delta else None
            if content:
                self._parts.append(content)
                events.append(TextDelta(content))
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
                events.append(Finished(choice.finish_reason))
        # With stream_options.include_usage the usage comes in a last chunk with no choices.
        if chunk.usage is not None:
            self.usage = TokenUsage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
            events.append(UsageReported(self.usage))
        return events

    def result(self, *, interrupted: bool = False, error: str | None = None, usage: TokenUsage | None = None) -> Reply:
        """The reply so far. A stream that ended without a finish reason is incomplete."""
        status: ReplyStatus
        if error is not None:
            status = "error" if not self._parts else "incomplete"
        elif interrupted or self.finish_reason is None:
            status = "incomplete"
        else:
            status = "complete"
        return Reply(
            text=self.text,
            model=self.model,
            status=status,
            finish_reason=self.finish_reason,
            usage=self.usage or usage,
            error=error,
        )
