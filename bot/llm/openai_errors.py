"""The one place where openai SDK exceptions become briefbot errors.

The SDK has already retried what can be retried (connection errors, timeouts, 408, 409, 429
except ``insufficient_quota``, 5xx; ``max_retries`` times) before we see an exception, so
every message here reports a final outcome and says what the user can do.

The SDK validates no answer: a body or stream event that is not JSON raises ``JSONDecodeError``
(no ``OpenAIError``), and JSON of another shape comes back as ``None``, a list, or an object whose
``choices`` is null. :func:`check_completion` and :func:`check_chunk` hold every answer to the
shape briefbot reads before anything reads it, so a broken server or proxy is a server error
(exit 18), never a crash.
"""

from __future__ import annotations

import json
from typing import Any

from bot import errors
from bot.redact import Redactor


def error_object(body: Any) -> dict[str, Any]:
    """The ``{"message", "type", "param", "code"}`` object of an OpenAI error body, or ``{}``."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return inner
    return {}


def is_quota_exhausted(error: dict[str, Any]) -> bool:
    """429 ``insufficient_quota``: no credit left, so retrying cannot help. OpenAI sets both
    ``code`` and ``type`` to it; either alone is unambiguous."""
    return "insufficient_quota" in (error.get("code"), error.get("type"))


def _body_error(exc: Any) -> dict[str, Any]:
    return error_object(getattr(exc, "body", None))


def _retry_after(exc: Any) -> str | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    if headers.get("retry-after-ms"):
        return f"{float(headers['retry-after-ms']) / 1000:g} s"
    if headers.get("retry-after"):
        return f"{headers['retry-after']} s"
    return None


def _after(retries: int) -> str:
    """How many times the SDK really tried, in words."""
    if retries <= 0:
        return "on the first request (not retried)"
    return f"after {retries} {'retry' if retries == 1 else 'retries'}"


def translate(
    exc: BaseException, *, endpoint: str, model: str, retries: int, redactor: Redactor, mid_stream: bool = False
) -> errors.LLMError:
    """Map an SDK exception to the matching ``bot.errors.LLMError`` (caller raises ``from exc``).

    ``retries``: how many retries the SDK really made for this call (requests sent - 1).

    ``mid_stream``: the answer had started, so a connection failure means it broke off; the
    SDK never retries there.
    """
    import openai

    if isinstance(exc, json.JSONDecodeError):
        return not_a_completion(endpoint, "not JSON")
    if mid_stream and not isinstance(exc, openai.APIStatusError):
        return errors.ServerError(
            f"the answer from {endpoint} broke off mid-stream ({type(exc).__name__})",
            hint="try again (/retry in chat); the part received so far was kept, marked incomplete",
        )

    detail = _body_error(exc)
    code = str(detail.get("code") or "")
    kind = str(detail.get("type") or "")
    server_message = redactor.scrub(str(detail.get("message") or getattr(exc, "message", "") or exc))[:300]

    if isinstance(exc, openai.APITimeoutError):
        return errors.LLMTimeoutError(
            f"no answer from {endpoint} within the timeout ({_after(retries)})",
            hint="raise BRIEFBOT_TIMEOUT, check the server's load, or try again",
        )
    if isinstance(exc, openai.APIConnectionError):
        return errors.EndpointUnreachableError(
            f"cannot connect to {endpoint}",
            hint="check OPENAI_BASE_URL and that the server is running; unset both OPENAI_* to use the embedded model",
        )
    if isinstance(exc, openai.AuthenticationError):
        return errors.AuthenticationError(
            f"the API key was rejected by {endpoint} (401 {code or 'unauthorized'})",
            hint="check OPENAI_API_KEY (`briefbot config show` says where it comes from); create a new key if it was revoked",
        )
    if isinstance(exc, openai.RateLimitError):
        if is_quota_exhausted(detail):
            return errors.QuotaExceededError(
                "your OpenAI quota is used up (429 insufficient_quota); retrying will not help",
                hint="check billing and usage limits at platform.openai.com, or use the embedded model (unset OPENAI_API_KEY)",
            )
        wait = _retry_after(exc)
        return errors.RateLimitError(
            f"rate limited by {endpoint} (429) {_after(retries)}" + (f"; server asked to wait {wait}" if wait else ""),
            hint="wait a moment and try again, or raise BRIEFBOT_MAX_RETRIES",
        )
    if isinstance(exc, openai.BadRequestError) and (code == "context_length_exceeded" or "context length" in server_message):
        return errors.ContextTooLongError(
            f"the request is longer than {model}'s context window: {server_message}",
            hint="start a new conversation (/reset), lower BRIEFBOT_CONTEXT_BUDGET or BRIEFBOT_HISTORY_BUDGET, or use a larger model",
        )
    if isinstance(exc, openai.NotFoundError):
        if code == "model_not_found" or "model" in server_message.lower():
            return errors.ModelNotFoundError(
                f"model {model!r} is not available at {endpoint}: {server_message}",
                hint="pick another model with --model or BRIEFBOT_MODEL (e.g. gpt-4o-mini)",
            )
        return errors.BadRequestError(
            f"{endpoint} answered 404 for the chat endpoint",
            hint="OPENAI_BASE_URL usually ends in /v1 (e.g. http://localhost:11434/v1)",
        )
    if isinstance(exc, openai.InternalServerError) or (
        isinstance(exc, openai.APIStatusError) and exc.status_code >= 500
    ):
        status = getattr(exc, "status_code", "5xx")
        return errors.ServerError(
            f"{endpoint} failed with a server error ({status}) {_after(retries)}: {server_message}",
            hint="the service is having trouble; try again later",
        )
    if isinstance(exc, openai.APIStatusError):
        return errors.BadRequestError(
            f"{endpoint} refused the request ({exc.status_code} {code or kind}): {server_message}",
            hint="run with --debug for details",
        )
    return errors.ServerError(
        f"the answer from {endpoint} broke off: {redactor.scrub(str(exc))[:200]}",
        hint="try again; the part received so far was kept",
    )


def not_a_completion(endpoint: str, what: str) -> errors.ServerError:
    return errors.ServerError(
        f"{endpoint} sent an answer that is not a chat completion ({what})",
        hint="the server, or a proxy in front of it, is broken; try again (/retry in chat); "
        "any part received so far was kept, marked incomplete",
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _usage_problem(usage: Any) -> str | None:
    if usage is None:
        return None
    if not (_is_int(getattr(usage, "prompt_tokens", None)) and _is_int(getattr(usage, "completion_tokens", None))):
        return "usage without token counts"
    return None


def check_completion(completion: Any, endpoint: str) -> None:
    """Raise :class:`~bot.errors.ServerError` unless ``completion`` is a chat completion as read here:
    a first choice with a message whose content is text or null, well-formed tool calls, usage counts."""
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise not_a_completion(endpoint, "no choices")
    message = getattr(choices[0], "message", None)
    if message is None:
        raise not_a_completion(endpoint, "no message")
    content = getattr(message, "content", None)
    if content is not None and not isinstance(content, str):
        raise not_a_completion(endpoint, "content that is not text")
    calls = getattr(message, "tool_calls", None)
    if calls is not None and not (isinstance(calls, list) and all(_is_tool_call(c) for c in calls)):
        raise not_a_completion(endpoint, "malformed tool calls")
    problem = _usage_problem(getattr(completion, "usage", None))
    if problem:
        raise not_a_completion(endpoint, problem)


def _is_tool_call(call: Any) -> bool:
    function = getattr(call, "function", None)
    return isinstance(getattr(function, "name", None), str) and isinstance(getattr(function, "arguments", None), str)


def check_chunk(chunk: Any, endpoint: str) -> None:
    """Raise :class:`~bot.errors.ServerError` unless ``chunk`` is a stream chunk as the accumulator reads it."""
    choices = getattr(chunk, "choices", None)
    if not isinstance(choices, list):
        raise not_a_completion(endpoint, "a stream chunk without choices")
    for choice in choices:
        if not _is_int(getattr(choice, "index", None)):
            raise not_a_completion(endpoint, "a stream chunk with a malformed choice")
        delta = getattr(choice, "delta", None)
        content = getattr(delta, "content", None) if delta is not None else None
        finish = getattr(choice, "finish_reason", None)
        if (content is not None and not isinstance(content, str)) or (finish is not None and not isinstance(finish, str)):
            raise not_a_completion(endpoint, "a stream chunk with content that is not text")
    problem = _usage_problem(getattr(chunk, "usage", None))
    if problem:
        raise not_a_completion(endpoint, problem)
