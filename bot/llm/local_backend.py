"""The embedded backend: llama.cpp in-process, answering in the openai SDK's own types.

llama-cpp-python yields OpenAI-shaped *text completion* dicts; we format the chat ourselves
(Gemma turn format, since the bundled GGUF has no chat template) and rebuild each piece as a
``ChatCompletionChunk`` / ``ChatCompletion``. Usage is counted with the model's own tokenizer
and sent as a final chunk with no choices, exactly where OpenAI puts it.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataclasses import dataclass

from bot.errors import ContextTooLongError, EmbeddedModelError
from bot.llm import gemma_format
from bot.llm.backend import ChatMessage
from bot.llm.lazy_grammar import GreedyGrammarFilter

if TYPE_CHECKING:
    from llama_cpp import Llama
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

# Sampling defaults for a small base model: Gemma's recommended top_k/top_p, a cooler
# temperature and a light repeat penalty, which keep a 270M model from looping.
DEFAULT_TEMPERATURE = 0.7
TOP_P = 0.95
TOP_K = 64
REPEAT_PENALTY = 1.15


@dataclass(frozen=True)
class TextCompletion:
    """One raw completion of a prompt (the few-shot path), with its counts."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str


class LocalBackend:
    name = "local"
    supports_tools = False
    default_max_tokens = 200  # a 270M base model says little worth reading past this

    def __init__(self, model_path: Path, *, model_name: str, n_ctx: int, n_threads: int | None) -> None:
        self.model = model_name
        self.model_path = model_path
        self.n_ctx = n_ctx
        self._llm = load_llama(model_path, n_ctx=n_ctx, n_threads=n_threads or os.cpu_count() or 2)
        # llama.cpp keeps the evaluated prompt; the next prompt that starts the same way (the
        # few-shot examples) pays only for its own tokens. Off: every prompt from scratch.
        self.prefix_cache = True
        self._chat_format = _template_formatter(self._llm)
        self._n_threads = n_threads or os.cpu_count() or 2
        # One more llama.cpp context per few-shot prefix (one per language): llama.cpp keeps
        # only the last prompt evaluated, so Korean and English questions in turn would each
        # re-evaluate ~1,250 prefix tokens (~4 s on 2 cores). The weights are memory-mapped
        # and shared; each context costs its KV cache (~75 MB at 4,096 tokens).
        self._contexts: dict[str, Llama] = {}

    @property
    def is_base_model(self) -> bool:
        """No chat template in the GGUF: a base model, asked by few-shot completion."""
        return self._chat_format is None

    def complete_text(self, prompt: str, *, max_tokens: int, stop: list[str], temperature: float = 0.0,
                      grammar: str | None = None, seed: int | None = None, context: str = "",
                      banned: Sequence[str] = (), end_bias: float = 0.0) -> TextCompletion:
        """Continue ``prompt`` as it is (no chat format); greedy unless ``temperature`` > 0.

        ``grammar`` (llama.cpp GBNF) restricts what can be written: the constrained retry.
        ``banned`` phrases are passed over too, and a full stop within ``end_bias`` of the best
        token is preferred, under a grammar and greedy decoding only.
        ``context`` names the llama.cpp context to use (one per few-shot prefix), so each
        keeps its prefix evaluated.
        """
        llm = self._context(context)
        tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
        if len(tokens) + max_tokens > self.n_ctx:
            raise ContextTooLongError(
                f"the question and its data need {len(tokens)} + {max_tokens} tokens but the embedded model's context is {self.n_ctx}",
                hint="ask about fewer sources at once, or raise BRIEFBOT_LOCAL_CONTEXT",
            )
        if not self.prefix_cache:
            llm.reset()  # type: ignore[no-untyped-call]
        kwargs: dict[str, Any] = {"max_tokens": max_tokens, "stop": stop, "temperature": temperature,
                                  "top_k": TOP_K if temperature > 0 else 1, "top_p": TOP_P, "repeat_penalty": 1.0}
        if seed is not None:
            kwargs["seed"] = seed
        lazy: GreedyGrammarFilter | None = None
        if grammar is not None and temperature == 0:
            from llama_cpp import LogitsProcessorList

            lazy = GreedyGrammarFilter(llm, grammar, prompt_tokens=len(tokens), banned=banned, end_bias=end_bias)
            kwargs["logits_processor"] = LogitsProcessorList([lazy])
        elif grammar is not None:
            from llama_cpp.llama_grammar import LlamaGrammar

            kwargs["grammar"] = LlamaGrammar.from_string(grammar, verbose=False)
        try:
            out: Any = llm.create_completion(prompt, **kwargs)
        finally:
            if lazy is not None:
                lazy.close()
        choice = out["choices"][0]
        text = str(choice.get("text") or "")
        usage = out.get("usage") or {}
        return TextCompletion(
            text=text.strip(),
            prompt_tokens=int(usage.get("prompt_tokens") or len(tokens)),
            completion_tokens=int(usage.get("completion_tokens") or self.count_text_tokens(text)),
            finish_reason=str(choice.get("finish_reason") or "stop"),
        )

    # -- interface -----------------------------------------------------------------------
    def describe(self) -> str:
        return f"embedded llama.cpp · {self.model} · {self.model_path} · context {self.n_ctx} tokens"

    def _context(self, name: str) -> Llama:
        if not name:
            return self._llm
        if name not in self._contexts:
            self._contexts[name] = load_llama(self.model_path, n_ctx=self.n_ctx, n_threads=self._n_threads)
        return self._contexts[name]

    def count_text_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)) if text else 0

    def count_prompt_tokens(self, messages: list[ChatMessage]) -> int:
        return len(self._llm.tokenize(self._render(messages).encode("utf-8"), add_bos=True, special=True))

    def _render(self, messages: list[ChatMessage]) -> str:
        """The model's own chat template when the GGUF has one, else Gemma's turn format."""
        if self._chat_format is not None:
            return str(self._chat_format(messages=messages).prompt)
        return gemma_format.render(messages)

    def complete(self, messages: list[ChatMessage], *, max_tokens: int, temperature: float | None) -> ChatCompletion:
        from openai.types.chat import ChatCompletion

        prompt, prompt_tokens = self._prepare(messages, max_tokens)
        out: Any = self._llm.create_completion(prompt, stream=False, **self._sampling(messages, max_tokens, temperature))
        text = out["choices"][0]["text"]
        completion_tokens = int(out.get("usage", {}).get("completion_tokens") or self.count_text_tokens(text))
        return ChatCompletion.model_validate(
            {
                "id": _new_id(),
                "object": "chat.completion",
                "created": int(time.time()),
                "model": self.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text.strip()},
                        "finish_reason": out["choices"][0].get("finish_reason") or "stop",
                        "logprobs": None,
                    }
                ],
                "usage": _usage(prompt_tokens, completion_tokens),
            }
        )

    def stream(self, messages: list[ChatMessage], *, max_tokens: int, temperature: float | None) -> _LocalChunkStream:
        prompt, prompt_tokens = self._prepare(messages, max_tokens)
        pieces: Any = self._llm.create_completion(prompt, stream=True, **self._sampling(messages, max_tokens, temperature))
        return _LocalChunkStream(pieces, model=self.model, prompt_tokens=prompt_tokens, count=self.count_text_tokens)

    def close(self) -> None:
        for llm in [self._llm, *self._contexts.values()]:
            close = getattr(llm, "close", None)
            if callable(close):
                close()
        self._contexts.clear()

    # -- helpers -------------------------------------------------------------------------
    def _prepare(self, messages: list[ChatMessage], max_tokens: int) -> tuple[str, int]:
        prompt = self._render(messages)
        prompt_tokens = len(self._llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True))
        if prompt_tokens + max_tokens > self.n_ctx:
            # The same error OpenAI gives, before llama.cpp would fail less clearly.
            raise ContextTooLongError(
                f"the conversation needs {prompt_tokens} + {max_tokens} tokens but the embedded model's context is {self.n_ctx}",
                hint="start a new conversation (/reset), lower BRIEFBOT_MAX_TOKENS, or raise BRIEFBOT_LOCAL_CONTEXT",
            )
        return prompt, prompt_tokens

    def _sampling(self, messages: list[ChatMessage], max_tokens: int, temperature: float | None) -> dict[str, Any]:
        stops = gemma_format.stop_sequences(messages)
        if self._chat_format is not None:
            stops = [*stops, *(self._chat_format(messages=messages).stop or [])]
        return {
            "max_tokens": max_tokens,
            "temperature": DEFAULT_TEMPERATURE if temperature is None else temperature,
            "top_p": TOP_P,
            "top_k": TOP_K,
            "repeat_penalty": REPEAT_PENALTY,
            "stop": stops,
        }


class _LocalChunkStream:
    """Text-completion pieces -> ChatCompletionChunks, ending with a usage-only chunk."""

    def __init__(self, pieces: Iterator[Any], *, model: str, prompt_tokens: int, count: Callable[[str], int]) -> None:
        self._pieces = pieces
        self._model = model
        self._prompt_tokens = prompt_tokens
        self._count = count
        self._id = _new_id()
        self._created = int(time.time())

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        from openai.types.chat import ChatCompletionChunk

        def chunk(delta: dict[str, Any], finish: str | None, usage: dict[str, int] | None = None) -> ChatCompletionChunk:
            choices = [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
            return ChatCompletionChunk.model_validate(
                {
                    "id": self._id,
                    "object": "chat.completion.chunk",
                    "created": self._created,
                    "model": self._model,
                    "choices": choices,
                    "usage": usage,
                }
            )

        yield chunk({"role": "assistant", "content": ""}, None)
        generated: list[str] = []
        finish: str | None = None
        leading = True
        for piece in self._pieces:
            choice = piece["choices"][0]
            text: str = choice.get("text") or ""
            if leading:
                # The model often opens with a newline after "model\n"; don't show it.
                text = text.lstrip()
                leading = not text
            if text:
                generated.append(text)
                yield chunk({"content": text}, None)
            if choice.get("finish_reason"):
                finish = choice["finish_reason"]
        yield chunk({}, finish or "stop")
        yield chunk({}, None, _usage(self._prompt_tokens, self._count("".join(generated))))

    def close(self) -> None:
        close = getattr(self._pieces, "close", None)
        if callable(close):
            close()


def _template_formatter(llm: Llama) -> Any | None:
    """A renderer for the GGUF's own chat template (instruction-tuned models), or None."""
    template = (llm.metadata or {}).get("tokenizer.chat_template")
    if not template:
        return None
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    eos = llm.detokenize([llm.token_eos()]).decode("utf-8", "replace")
    bos = llm.detokenize([llm.token_bos()]).decode("utf-8", "replace")
    return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos, stop_token_ids=[llm.token_eos()])


def load_llama(model_path: Path, *, n_ctx: int, n_threads: int) -> Llama:
    """The model loaded with llama.cpp's own logging silenced; load failures as EmbeddedModelError."""
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise EmbeddedModelError(
            "llama-cpp-python is not installed, so the embedded model cannot run",
            hint='run `make install` (or `pip install "briefbot[local]"`), or set OPENAI_API_KEY / OPENAI_BASE_URL',
        ) from exc
    _silence_llama_logs()
    try:
        return Llama(model_path=str(model_path), n_ctx=n_ctx, n_threads=n_threads, verbose=False)
    except (ValueError, RuntimeError, OSError) as exc:
        raise EmbeddedModelError(
            f"could not load the model {model_path}: {exc}",
            hint="check that the file is a valid GGUF model; unset BRIEFBOT_LOCAL_MODEL_PATH to use the bundled one",
        ) from exc


def _silence_llama_logs() -> None:
    """Route llama.cpp's C-level log lines to nowhere.

    Even with verbose=False, llama.cpp prints notices (e.g. about its SWA cache) straight to
    stderr in the middle of a streamed answer. Failures still surface as exceptions.
    """
    import ctypes

    import llama_cpp

    llama_cpp.llama_log_set(_DISCARD_LOG, ctypes.c_void_p(0))


def _discard_log(level: int, text: bytes, user_data: object) -> None:
    return None


try:  # the ctypes callback object must outlive every call into llama.cpp
    import llama_cpp as _llama_cpp

    _DISCARD_LOG: Any = _llama_cpp.llama_log_callback(_discard_log)
except ImportError:  # the local extra is not installed; _load_llama reports it
    _DISCARD_LOG = None


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _new_id() -> str:
    return f"chatcmpl-local-{uuid.uuid4().hex[:24]}"
