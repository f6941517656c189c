"""A context cut to nothing for the token budget says what was omitted, never "NO DATA"."""

from __future__ import annotations

from datetime import datetime, timezone

from prompts.packer import ContextPacker
from tests.grounding.payload_records import BUILDERS

T0 = datetime(2025, 7, 30, 17, 20, tzinfo=timezone.utc)


def test_blocks_dropped_for_the_budget_are_omitted_not_missing() -> None:
    records = BUILDERS["upbit_btc"](T0)
    packed = ContextPacker(budget=10, counter=lambda text, model: len(text) // 4).pack(records, now=T0)
    assert "## OMITTED for the token budget: KRW-BTC" in packed.text
    assert "NO DATA" not in packed.text
    empty = ContextPacker(budget=10, counter=lambda text, model: len(text) // 4).pack([], now=T0)
    assert "NO DATA" in empty.text  # nothing fetched at all is still said so
