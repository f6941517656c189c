"""The dated price table, user overrides, and cost estimates."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from bot.errors import ConfigError
from bot.pricing import PriceTable, estimate_cost, format_usd

REQUIRED = [
    "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
    "o3-mini", "o4-mini", "gpt-3.5-turbo", "gpt-4-turbo",
]


def bundled_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("bot.data").joinpath("prices.json").read_text(encoding="utf-8"))
    return data


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def test_bundled_table_is_dated_sourced_and_complete() -> None:
    data = bundled_json()
    dt.date.fromisoformat(data["as_of"])
    dt.date.fromisoformat(data["verified_on"])
    assert data["source"].startswith("https://")
    assert data["currency"] == "USD" and data["unit"] == "per 1M tokens"
    table = PriceTable.load()
    assert table.as_of == data["as_of"]
    for model in REQUIRED:
        price = table.price_for(model)
        assert price is not None, model
        assert price.model == model
        assert 0 < price.input_per_mtok < price.output_per_mtok
        if price.cached_input_per_mtok is not None:
            assert price.cached_input_per_mtok < price.input_per_mtok


@pytest.mark.parametrize(
    ("asked", "row"),
    [
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),  # its own, older price wins over the alias
        ("gpt-4.1-nano-2025-04-14", "gpt-4.1-nano"),
        ("o3-mini-2025-01-31", "o3-mini"),
        ("gpt-4-turbo-2024-04-09", "gpt-4-turbo"),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
        ("gpt-3.5-turbo-1106", "gpt-3.5-turbo-1106"),
        ("GPT-4o-Mini", "gpt-4o-mini"),
        ("openai/gpt-4.1", "gpt-4.1"),
    ],
)
def test_dated_snapshots_and_spellings_find_their_row(asked: str, row: str) -> None:
    price = PriceTable.load().price_for(asked)
    assert price is not None and price.model == row


def test_mini_is_never_priced_as_its_bigger_sibling() -> None:
    table = PriceTable.load()
    mini, big = table.price_for("gpt-4o-mini"), table.price_for("gpt-4o")
    assert mini is not None and big is not None
    assert mini.model == "gpt-4o-mini" and mini.input_per_mtok < big.input_per_mtok
    assert table.price_for("gpt-4o-2024-05-13") != big


@pytest.mark.parametrize("model", ["llama3", "gemma-3-270m", "ft:gpt-4o-mini-2024-07-18:acme::x1", "gpt-4o-mini-extra"])
def test_unknown_models_cost_none_not_a_crash(model: str) -> None:
    estimate = PriceTable.load().estimate(model, 1000, 500, "openai")
    assert estimate.usd is None and estimate.price is None and not estimate.known
    assert estimate.display() == "unknown"


def test_local_backend_costs_exactly_zero_even_for_priced_or_unknown_models() -> None:
    table = PriceTable.load()
    for model in ("gpt-4o", "gemma-3-270m", "whatever"):
        estimate = table.estimate(model, 10_000, 4_000, "local")
        assert estimate.usd == 0.0 and estimate.known


def test_cost_arithmetic_with_known_prices(tmp_path: Path) -> None:
    override = write(tmp_path / "p.json", {"models": {"m": {"input": 2, "output": 8, "cached_input": 0.5}}})
    table = PriceTable.load(override)
    # 1,000 input at $2/M + 500 output at $8/M = $0.002 + $0.004
    assert table.estimate("m", 1000, 500, "openai").usd == pytest.approx(0.006)
    # 400 of the 1,000 prompt tokens served from the prompt cache at $0.5/M
    assert table.estimate("m", 1000, 500, "openai", cached_prompt_tokens=400).usd == pytest.approx(
        (600 * 2 + 400 * 0.5 + 500 * 8) / 1e6
    )


def test_cached_tokens_fall_back_to_input_price_when_no_cached_price(tmp_path: Path) -> None:
    table = PriceTable.load(write(tmp_path / "p.json", {"models": {"m": {"input": 3, "output": 9}}}))
    assert table.estimate("m", 100, 0, "openai", cached_prompt_tokens=100).usd == pytest.approx(300 / 1e6)


def test_estimate_cost_uses_the_bundled_table_by_default() -> None:
    price = PriceTable.load().price_for("gpt-4o-mini")
    assert price is not None
    estimate = estimate_cost("gpt-4o-mini-2024-07-18", 2000, 1000, "openai")
    assert estimate.usd == pytest.approx((2000 * price.input_per_mtok + 1000 * price.output_per_mtok) / 1e6)
    assert estimate.price == price


def test_negative_or_inconsistent_token_counts_are_programming_errors() -> None:
    table = PriceTable.load()
    with pytest.raises(ValueError):
        table.estimate("gpt-4o", -1, 0, "openai")
    with pytest.raises(ValueError):
        table.estimate("gpt-4o", 10, 0, "openai", cached_prompt_tokens=11)


# --- user override -----------------------------------------------------------------------------


def test_override_merges_over_the_bundled_table(tmp_path: Path) -> None:
    override = write(
        tmp_path / "prices.json",
        {"as_of": "2030-01-01", "models": {"gpt-4o": {"input": 1.0, "output": 4.0}, "my-vllm-model": {"input": 0, "output": 0}}},
    )
    bundled = PriceTable.load()
    merged = PriceTable.load(override)
    replaced = merged.price_for("gpt-4o-2024-08-06")
    assert replaced is not None
    assert (replaced.input_per_mtok, replaced.output_per_mtok, replaced.cached_input_per_mtok) == (1.0, 4.0, None)
    assert str(override) in replaced.origin
    assert merged.price_for("gpt-4o-mini") == bundled.price_for("gpt-4o-mini")  # untouched rows stay
    assert merged.estimate("my-vllm-model", 5000, 5000, "openai").usd == 0.0  # priced, so known
    assert set(bundled.models()) < set(merged.models())
    assert any(str(override) in origin for origin in merged.origins)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON: .* line 1, column 2"),
        ([1, 2], "top level must be a JSON object"),
        ({"model": {"gpt-4o": {"input": 1, "output": 2}}}, 'no "models" object'),
        ({"models": {"gpt-4o": 2.5}}, "'gpt-4o' must map to an object"),
        ({"models": {"gpt-4o": {"input": -1, "output": 2}}}, "'input' must be a non-negative number"),
        ({"models": {"gpt-4o": {"input": "2.5", "output": 2}}}, "'input' must be a non-negative number"),
        ({"models": {"gpt-4o": {"input": True, "output": 2}}}, "'input' must be a non-negative number"),
        ({"models": {"gpt-4o": {"input": 1}}}, "lacks output"),
        ({"models": {"gpt-4o": {"input": 1, "ouput": 2}}}, "unknown field"),
        ({"currency": "EUR", "models": {}}, "currency must be USD"),
    ],
)
def test_bad_override_file_is_a_config_error_naming_file_and_problem(tmp_path: Path, content: Any, problem: str) -> None:
    path = write(tmp_path / "bad-prices.json", content)
    with pytest.raises(ConfigError, match=problem) as info:
        PriceTable.load(path)
    assert str(path) in str(info.value)
    assert info.value.exit_code == 3


def test_missing_override_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(ConfigError, match="does not exist") as info:
        PriceTable.load(path)
    assert str(path) in str(info.value) and "BRIEFBOT_PRICE_TABLE" in str(info.value)


@pytest.mark.parametrize(
    ("usd", "shown"),
    [(None, "unknown"), (0.0, "$0"), (6e-7, "$0.0000006"), (0.0123, "$0.0123"), (0.01001, "$0.01001"),
     (0.5, "$0.50"), (12.345, "$12.35"), (1234.5, "$1,234.50")],
)
def test_format_usd(usd: float | None, shown: str) -> None:
    assert format_usd(usd) == shown
