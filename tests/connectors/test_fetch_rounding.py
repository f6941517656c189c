"""`briefbot fetch` prints numbers rounded by what they are, never unrounded float noise."""

from __future__ import annotations

import pytest

from bot.cli.fetch_cmd import _value


@pytest.mark.parametrize(("value", "unit", "name", "text"), [
    (259.940002, "USD", "close", "259.94 USD"),  # a Yahoo bar as it arrives
    (-0.04, "°C", "temperature", "0.0 °C"),
    (1453.64, "KRW per 1 USD", "rate", "1,453.64 KRW per 1 USD"),
    (162876000.0, "KRW", "price", "162,876,000 KRW"),
    (52.21833, None, "latitude", "52.21833"),
    (-0.17, "%", "change_pct", "-0.17 %"),
])
def test_values_are_rounded_by_meaning(value: float, unit: str | None, name: str, text: str) -> None:
    assert _value(value, unit, name) == text
