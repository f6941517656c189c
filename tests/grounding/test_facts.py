"""Derived facts: pure functions, checked against hand-worked values."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from prompts import facts as F
from tests.grounding.payload_records import BUILDERS

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def pts(values: list[float]) -> list[tuple[datetime, float]]:
    return [(T0 + timedelta(days=i), v) for i, v in enumerate(values)]


def test_change() -> None:
    c = F.change(200.0, 150.0)
    assert c.absolute == -50.0 and c.percent == -25.0
    assert F.change(0.0, 5.0).percent is None


def test_extremes_keep_times_and_prefer_the_first_tie() -> None:
    e = F.extremes(pts([3, 1, 4, 1, 5]))
    assert (e.low, e.low_at, e.high, e.high_at) == (1, T0 + timedelta(days=1), 5, T0 + timedelta(days=4))
    with pytest.raises(ValueError):
        F.extremes([])


def test_moving_average_and_mean() -> None:
    assert F.moving_average([1, 2, 3, 4, 5], 3) == [2.0, 3.0, 4.0]
    assert F.moving_average([1, 2], 3) == []
    assert F.mean([1, 2, 3, 4]) == 2.5


def test_trend_uses_the_fitted_line_not_the_ends() -> None:
    assert F.trend([1, 2, 3, 4, 5]) == "up"
    assert F.trend([5, 4, 3, 2, 1]) == "down"
    assert F.trend([100, 100.1, 99.9, 100]) == "flat"
    assert F.trend([10, 20, 30, 40, 9]) == "up"  # one bad last point does not flip it


def test_volatility_is_stdev_of_returns() -> None:
    # returns: +10%, -10% -> sample stdev = 14.142...
    assert F.volatility([100, 110, 99]) == pytest.approx(14.1421, rel=1e-4)
    assert F.volatility([1, 2]) is None


def test_age_in_words() -> None:
    assert F.age_in_words(30) == "just now" and F.age_in_words(30, "ko") == "방금"
    assert F.age_in_words(17 * 60, "ko") == "17분 전"
    assert F.age_in_words(5 * 3600) == "5 h ago"
    assert F.age_in_words(3 * 86400, "ko") == "3일 전"


def test_fx_rates_direct_inverse_and_cross() -> None:
    usdkrw = BUILDERS["fx_usd_krw"](T0)
    assert F.find_rate(usdkrw, "USD", "KRW").rate == 1453.64  # type: ignore[union-attr]
    assert F.find_rate(usdkrw, "KRW", "USD").rate == pytest.approx(1 / 1453.64)  # type: ignore[union-attr]
    eur = BUILDERS["fx_eur_krw"](T0) + BUILDERS["fx_eur_jpy"](T0)
    cross = F.find_rate(eur, "JPY", "KRW")
    assert cross is not None and cross.rate == pytest.approx(1582.87 / 161.88)
    assert F.find_rate(usdkrw, "USD", "GBP") is None


def test_conversion_facts_for_amount_and_quoted_price() -> None:
    records = BUILDERS["fx_usd_krw"](T0) + BUILDERS["yahoo_aapl"](T0)
    facts = F.conversion_facts(records, amount=(100.0, "USD"), target="KRW")
    values = {f.subject: f.number for f in facts}
    assert values["100 USD"] == pytest.approx(145364.0)
    assert values["AAPL"] == pytest.approx(269.7 * 1453.64)


def test_series_facts_on_real_candles() -> None:
    candles = BUILDERS["upbit_btc_candles"](T0)[0]
    got = {f.name: f.value for f in F.series_facts(candles, "close")}  # type: ignore[arg-type]
    assert got["first"] == 162483000 and got["latest"] == 163158000
    assert got["change"] == 675000
    assert got["change_pct"] == pytest.approx(675000 / 162483000 * 100)


def test_comparison_of_changes() -> None:
    a = F.Fact("A", "close", "change_pct", 5.0, "%")
    b = F.Fact("B", "close", "change_pct", -2.0, "%")
    (diff,) = F.comparison_facts([a, b])
    assert diff.subject == "A vs B" and diff.number == 7.0
