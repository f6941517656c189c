"""A dated price table as data, overridable by the user, and cost estimates from token counts.

The bundled table is ``bot/data/prices.json`` (USD per 1M tokens, with the date and source of
its figures). A user file in the same format, named by the ``price_table`` setting
(``BRIEFBOT_PRICE_TABLE``), is merged over it: each model it lists replaces the bundled row for
that model whole, so a corrected price never mixes with a stale cached-input price.

Cost rules, in order:

* the ``local`` backend (embedded model, or a self-hosted server the caller treats as local)
  costs exactly 0;
* otherwise the model's row: exact name first, then the name without a dated-snapshot suffix
  (``gpt-4o-mini-2024-07-18`` -> ``gpt-4o-mini``, ``gpt-3.5-turbo-0125`` -> ``gpt-3.5-turbo``),
  so a snapshot with its own price (``gpt-4o-2024-05-13``) can still have its own row;
* no row: the cost is ``None``, shown as "unknown", never a guess and never a crash.
  Fine-tuned models (``ft:...``) are priced differently from their base, so they are unknown
  unless the user's table lists them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

PER_TOKENS = 1_000_000
LOCAL_BACKEND = "local"
_PRICE_FIELDS = {"input", "output", "cached_input"}
_ENTRY_FIELDS = _PRICE_FIELDS | {"note"}
# -YYYY-MM-DD (gpt-4o-2024-08-06) or -MMDD (gpt-4-0613, gpt-3.5-turbo-0125)
_SNAPSHOT_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{4})$")


@dataclass(frozen=True)
class ModelPrice:
    """USD per 1M tokens for one model, and where the figures came from."""

    model: str
    input_per_mtok: float
    output_per_mtok: float
    cached_input_per_mtok: float | None
    origin: str  # "bundled (as of 2025-08-07)" or "override (/path/prices.json)"


@dataclass(frozen=True)
class CostEstimate:
    model: str
    backend: str
    prompt_tokens: int
    completion_tokens: int
    usd: float | None  # None: no price known for this model
    price: ModelPrice | None
    cached_prompt_tokens: int = 0

    @property
    def known(self) -> bool:
        return self.usd is not None

    def display(self) -> str:
        return format_usd(self.usd)


class PriceTable:
    def __init__(self, prices: Mapping[str, ModelPrice], *, as_of: str | None, origins: tuple[str, ...]) -> None:
        self._prices = {name.lower(): price for name, price in prices.items()}
        self.as_of = as_of
        self.origins = origins

    @classmethod
    def load(cls, override: Path | None = None) -> PriceTable:
        """The bundled table, with ``override`` (a user JSON file) merged over it."""
        bundled_text = resources.files("bot.data").joinpath("prices.json").read_text(encoding="utf-8")
        bundled = _parse_table(json.loads(bundled_text), where="bundled price table bot/data/prices.json")
        as_of = _optional_str(bundled, "as_of")
        tag = f"bundled (as of {as_of})" if as_of else "bundled"
        prices = _model_prices(bundled, origin=tag, where="bundled price table")
        origins = [tag]
        if override is not None:
            data = _read_override(override)
            prices.update(_model_prices(data, origin=f"override ({override})", where=f"price table {override}"))
            origins.append(f"override ({override})")
        return cls(prices, as_of=as_of, origins=tuple(origins))

    def models(self) -> list[str]:
        return sorted(self._prices)

    def price_for(self, model: str) -> ModelPrice | None:
        name = model.strip().lower()
        if name.startswith("openai/"):  # gateway spelling of the same model
            name = name[len("openai/") :]
        if name in self._prices:
            return self._prices[name]
        base = _SNAPSHOT_SUFFIX.sub("", name)
        return self._prices.get(base)

    def estimate(
        self,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        backend: str,
        *,
        cached_prompt_tokens: int = 0,
    ) -> CostEstimate:
        """Cost of a call; ``cached_prompt_tokens`` is the part of ``prompt_tokens`` served from
        OpenAI's prompt cache (usage.prompt_tokens_details.cached_tokens), billed at the cached
        rate where one is published."""
        if min(prompt_tokens, completion_tokens, cached_prompt_tokens) < 0:
            raise ValueError("token counts cannot be negative")
        if cached_prompt_tokens > prompt_tokens:
            raise ValueError("cached_prompt_tokens cannot exceed prompt_tokens")

        def result(usd: float | None, price: ModelPrice | None) -> CostEstimate:
            return CostEstimate(model, backend, prompt_tokens, completion_tokens, usd, price, cached_prompt_tokens)

        if backend == LOCAL_BACKEND:
            return result(0.0, None)
        price = self.price_for(model)
        if price is None:
            return result(None, None)
        cached_rate = price.cached_input_per_mtok if price.cached_input_per_mtok is not None else price.input_per_mtok
        usd = (
            (prompt_tokens - cached_prompt_tokens) * price.input_per_mtok
            + cached_prompt_tokens * cached_rate
            + completion_tokens * price.output_per_mtok
        ) / PER_TOKENS
        return result(usd, price)


def estimate_cost(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    backend: str,
    *,
    table: PriceTable | None = None,
    cached_prompt_tokens: int = 0,
) -> CostEstimate:
    """Estimate a call's cost with ``table`` (default: the bundled table, no override)."""
    return (table or PriceTable.load()).estimate(
        model, prompt_tokens, completion_tokens, backend, cached_prompt_tokens=cached_prompt_tokens
    )


def format_usd(usd: float | None) -> str:
    """Four significant digits, at least cents: "$0.0123", "$0.0000018", "$12.35"; or "unknown"."""
    if usd is None:
        return "unknown"
    if usd == 0:
        return "$0"
    decimals = min(12, max(2, 3 - math.floor(math.log10(abs(usd)))))
    whole, _, frac = f"{usd:,.{decimals}f}".partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"${whole}.{frac}"


# --- reading and validating tables -------------------------------------------------------------


def _read_override(path: Path) -> dict[str, Any]:
    hint = "fix the file, or unset BRIEFBOT_PRICE_TABLE to use the bundled prices"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"price table {path} does not exist", hint=hint) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read price table {path}: {exc}", hint=hint) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"price table {path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", hint=hint
        ) from exc
    return _parse_table(data, where=f"price table {path}")


def _parse_table(data: Any, *, where: str) -> dict[str, Any]:
    example = 'expected {"models": {"gpt-4o": {"input": 2.5, "output": 10}}}'
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be a JSON object", hint=example)
    if not isinstance(data.get("models"), dict):
        raise ConfigError(f'{where}: no "models" object', hint=example)
    currency = data.get("currency", "USD")
    if currency != "USD":
        raise ConfigError(f"{where}: currency must be USD, not {currency!r}", hint="briefbot budgets are in USD")
    return data


def _model_prices(data: Mapping[str, Any], *, origin: str, where: str) -> dict[str, ModelPrice]:
    prices: dict[str, ModelPrice] = {}
    for model, entry in data["models"].items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: model {model!r} must map to an object with input and output prices")
        unknown = sorted(set(entry) - _ENTRY_FIELDS)
        if unknown:
            raise ConfigError(
                f"{where}: model {model!r} has unknown field(s) {', '.join(unknown)}",
                hint="valid fields: input, output, cached_input (USD per 1M tokens), note",
            )
        missing = sorted({"input", "output"} - set(entry))
        if missing:
            raise ConfigError(f"{where}: model {model!r} lacks {' and '.join(missing)} (USD per 1M tokens)")
        values = {key: _price(entry[key], where=where, model=model, key=key) for key in _PRICE_FIELDS if key in entry}
        prices[model.strip().lower()] = ModelPrice(
            model=model,
            input_per_mtok=values["input"],
            output_per_mtok=values["output"],
            cached_input_per_mtok=values.get("cached_input"),
            origin=origin,
        )
    return prices


def _price(value: Any, *, where: str, model: str, key: str) -> float:
    # bool is an int in Python; `"input": true` is a mistake, not a price of 1.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ConfigError(
            f"{where}: model {model!r} field {key!r} must be a non-negative number (USD per 1M tokens), not {value!r}"
        )
    return float(value)


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None
