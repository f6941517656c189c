"""Exact offline token counts; the implementation is :mod:`prompts.tokens` (the packer counts
its context there, and prompts must not import bot). Re-exported under the app's old name."""

from prompts.tokens import (
    FALLBACK_ENCODING,
    REPLY_PRIMING_TOKENS,
    SUPPORTED_ENCODINGS,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    TokenizerUnavailableError,
    build_encoding,
    count_messages,
    count_text,
    encoding_for_model,
    encoding_name_for_model,
    get_encoding,
    load_rank_file,
    shipped_rank_file,
)

__all__ = [
    "FALLBACK_ENCODING", "REPLY_PRIMING_TOKENS", "SUPPORTED_ENCODINGS", "TOKENS_PER_MESSAGE", "TOKENS_PER_NAME",
    "TokenizerUnavailableError", "build_encoding", "count_messages", "count_text", "encoding_for_model",
    "encoding_name_for_model", "get_encoding", "load_rank_file", "shipped_rank_file",
]
