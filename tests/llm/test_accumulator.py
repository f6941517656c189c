"""The pure stream accumulator, on hand-made chunks in the SDK's own type."""

from __future__ import annotations

from typing import Any

from openai.types.chat import ChatCompletionChunk

from bot.llm.accumulator import StreamAccumulator
from bot.llm.events import Finished, TextDelta, TokenUsage, UsageReported


def chunk(content: str | None = None, finish: str | None = None, usage: dict[str, int] | None = None) -> ChatCompletionChunk:
    choices: list[dict[str, Any]] = []
    if usage is None:
        delta: dict[str, Any] = {} if content is None else {"content": content}
        choices = [{"index": 0, "delta": delta, "finish_reason": finish}]
    return ChatCompletionChunk.model_validate(
        {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m-1", "choices": choices, "usage": usage}
    )


def test_text_finish_and_usage_become_events_and_a_complete_reply() -> None:
    acc = StreamAccumulator("requested")
    events = []
    for c in [chunk(""), chunk("Sunny"), chunk(", 21 °C"), chunk(finish="stop"), chunk(usage={"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12})]:
        events += acc.feed(c)
    assert events == [TextDelta("Sunny"), TextDelta(", 21 °C"), Finished("stop"), UsageReported(TokenUsage(9, 3))]
    reply = acc.result()
    assert (reply.text, reply.status, reply.finish_reason, reply.model) == ("Sunny, 21 °C", "complete", "stop", "m-1")
    assert reply.usage == TokenUsage(9, 3, estimated=False)


def test_stream_without_finish_reason_is_incomplete_and_keeps_text() -> None:
    acc = StreamAccumulator("m")
    acc.feed(chunk("partial"))
    reply = acc.result(usage=TokenUsage(5, 1, estimated=True))
    assert (reply.text, reply.status) == ("partial", "incomplete")
    assert reply.usage is not None and reply.usage.estimated


def test_interrupt_marks_incomplete_even_after_finish() -> None:
    acc = StreamAccumulator("m")
    acc.feed(chunk("a"))
    acc.feed(chunk(finish="stop"))
    assert acc.result(interrupted=True).status == "incomplete"


def test_error_before_any_text_is_error_and_after_text_is_incomplete() -> None:
    assert StreamAccumulator("m").result(error="boom").status == "error"
    acc = StreamAccumulator("m")
    acc.feed(chunk("some"))
    assert acc.result(error="boom").status == "incomplete"


def test_server_usage_wins_over_local_estimate() -> None:
    acc = StreamAccumulator("m")
    acc.feed(chunk("x", finish="stop"))
    acc.feed(chunk(usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}))
    assert acc.result(usage=TokenUsage(100, 100, estimated=True)).usage == TokenUsage(1, 2)
