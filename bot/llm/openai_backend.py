"""The ``openai`` backend: the official SDK against OpenAI or any compatible server.

Retries are the SDK's own (``max_retries``): briefbot adds no second loop on top, so a 429
is tried ``1 + max_retries`` times, with the SDK honouring ``retry-after``. The one exception
is ``insufficient_quota``, which no retry can fix: it is tried once (see ``openai_http``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bot.errors import AuthenticationError, LLMError
from bot.llm import openai_errors
from bot.llm.backend import ChatMessage
from bot.redact import Redactor, redact_url

if TYPE_CHECKING:
    from openai import OpenAI
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    from bot.settings import Settings

OPENAI_URL = "https://api.openai.com/v1"
# Compatible servers that need no key still want an Authorization header value.
PLACEHOLDER_KEY = "not-needed"


class OpenAIBackend:
    name = "openai"
    supports_tools = True
    default_max_tokens = 512

    def __init__(self, settings: Settings, *, redactor: Redactor, model: str) -> None:
        from openai import OpenAI

        from bot.llm.openai_http import RequestCounter, sdk_http_client

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        if key is None and settings.talks_to_openai_itself():
            raise AuthenticationError(
                "no OPENAI_API_KEY is set, so OpenAI cannot be used",
                hint="put OPENAI_API_KEY=sk-... in .env or the environment, or unset BRIEFBOT_BACKEND to use the embedded model",
            )
        self.model = model
        # Shown in describe() and every error line: never with its user:password@ or ?key=.
        self.endpoint = redact_url(settings.openai_base_url or OPENAI_URL)
        self._requests = RequestCounter()
        self._redactor = redactor
        # OpenAI's newer models accept only max_completion_tokens; many compatible servers
        # still know only max_tokens.
        self.max_tokens_field = "max_completion_tokens" if settings.talks_to_openai_itself() else "max_tokens"
        self.client: OpenAI = OpenAI(
            api_key=key or PLACEHOLDER_KEY,
            base_url=settings.openai_base_url,
            organization=settings.openai_org_id,
            project=settings.openai_project_id,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
            http_client=sdk_http_client(self._requests),
        )

    def describe(self) -> str:
        return f"openai SDK · {self.model} · {self.endpoint}"

    def _fail(self, exc: BaseException, *, mid_stream: bool = False) -> LLMError:
        return openai_errors.translate(
            exc,
            endpoint=self.endpoint,
            model=self.model,
            retries=self._requests.retries,
            redactor=self._redactor,
            mid_stream=mid_stream,
        )

    def _params(self, messages: list[ChatMessage], max_tokens: int, temperature: float | None) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.model, "messages": messages, self.max_tokens_field: max_tokens}
        if temperature is not None:
            params["temperature"] = temperature
        return params

    def complete(self, messages: list[ChatMessage], *, max_tokens: int, temperature: float | None) -> ChatCompletion:
        import openai

        self._requests.start_call()
        try:
            completion: ChatCompletion = self.client.chat.completions.create(**self._params(messages, max_tokens, temperature))
        except (openai.OpenAIError, json.JSONDecodeError) as exc:  # the SDK does not wrap a body that is not JSON
            raise self._fail(exc) from exc
        openai_errors.check_completion(completion, self.endpoint)
        return completion

    def stream(self, messages: list[ChatMessage], *, max_tokens: int, temperature: float | None) -> _SDKChunkStream:
        import openai

        self._requests.start_call()
        try:
            raw = self.client.chat.completions.create(
                **self._params(messages, max_tokens, temperature),
                stream=True,
                stream_options={"include_usage": True},
            )
        except openai.OpenAIError as exc:
            raise self._fail(exc) from exc
        return _SDKChunkStream(raw, self)

    def count_text_tokens(self, text: str) -> int:
        from bot.tokens import count_text

        return count_text(text, self.model)

    def count_prompt_tokens(self, messages: list[ChatMessage]) -> int:
        from bot.tokens import count_messages

        return count_messages(messages, self.model)

    def close(self) -> None:
        self.client.close()


class _SDKChunkStream:
    """The SDK's stream, with errors raised mid-stream translated like all others, and each chunk
    checked before anyone reads it (the SDK hands over whatever JSON arrived)."""

    def __init__(self, raw: Any, backend: OpenAIBackend) -> None:
        self._raw = raw
        self._backend = backend

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        try:
            for chunk in self._raw:
                openai_errors.check_chunk(chunk, self._backend.endpoint)
                yield chunk
        except LLMError:
            raise
        except Exception as exc:  # the SDK and its HTTP layer raise several types mid-stream
            raise self._backend._fail(exc, mid_stream=True) from exc

    def close(self) -> None:
        self._raw.close()
