"""The thin loop that drives a backend stream through the accumulator.

Ctrl-C and errors after the first chunk do not lose what arrived: the partial text comes back
in a Reply marked ``incomplete`` together with the error, and the caller stores it. A stream
that ends without a finish reason is such an error (ServerError), never a silent success.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import LLMError, ServerError
from bot.llm.accumulator import StreamAccumulator
from bot.llm.backend import ChatBackend, ChatMessage
from bot.llm.events import Reply, StreamEvent, TokenUsage


@dataclass(frozen=True)
class StreamOutcome:
    reply: Reply
    error: LLMError | None = None
    interrupted: bool = False


def stream_reply(
    backend: ChatBackend,
    messages: list[ChatMessage],
    *,
    max_tokens: int,
    temperature: float | None,
    on_event: Callable[[StreamEvent], None],
) -> StreamOutcome:
    """Stream one answer. Errors before the first chunk raise; later ones come back in the outcome."""
    accumulator = StreamAccumulator(backend.model)
    stream = backend.stream(messages, max_tokens=max_tokens, temperature=temperature)
    error: LLMError | None = None
    interrupted = False
    try:
        for chunk in stream:
            for event in accumulator.feed(chunk):
                on_event(event)
    except KeyboardInterrupt:
        interrupted = True
    except LLMError as exc:
        error = exc
    finally:
        stream.close()
    if not interrupted and error is None and accumulator.finish_reason is None:
        # A close-delimited response that just stops looks like a finished stream to the SDK;
        # only the missing finish reason tells. It is a broken answer, not a user's stop.
        error = ServerError(
            "the answer stream ended before the answer was complete (no finish reason)",
            hint="try again (/retry in chat); the part received so far was kept, marked incomplete",
        )

    fallback: TokenUsage | None = None
    if accumulator.usage is None:
        # The server sent no usage (stopped early, or a compatible server that ignores
        # stream_options): count locally and say so.
        fallback = TokenUsage(
            backend.count_prompt_tokens(messages), backend.count_text_tokens(accumulator.text), estimated=True
        )
    reply = accumulator.result(interrupted=interrupted, error=str(error) if error else None, usage=fallback)
    return StreamOutcome(reply=reply, error=error, interrupted=interrupted)


def complete_reply(
    backend: ChatBackend, messages: list[ChatMessage], *, max_tokens: int, temperature: float | None
) -> Reply:
    completion = backend.complete(messages, max_tokens=max_tokens, temperature=temperature)
    choice = completion.choices[0]
    text = choice.message.content or ""
    if completion.usage is not None:
        usage = TokenUsage(completion.usage.prompt_tokens, completion.usage.completion_tokens)
    else:
        usage = TokenUsage(backend.count_prompt_tokens(messages), backend.count_text_tokens(text), estimated=True)
    return Reply(
        text=text,
        model=completion.model or backend.model,
        status="complete" if choice.finish_reason in ("stop", "length", "tool_calls", None) else "incomplete",
        finish_reason=choice.finish_reason,
        usage=usage,
    )
