"""Charts (real matplotlib PNGs) and sparklines for series records."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from bot.briefs.charts import (
    charts_for, draws_distinct_glyphs, drawable, format_value, hangul_font, sparkline, sparklines_for,
)
from connectors.records import Observation, Series, SeriesPoint

START = datetime(2026, 10, 31, 15, 0, tzinfo=UTC)


def series(subject: str, column: str, values: Sequence[float], *, step: timedelta, unit: str, connector: str) -> Series:
    points = [SeriesPoint(time=START + i * step, values={column: v}) for i, v in enumerate(values)]
    return Series(
        connector=connector, kind=f"{connector}.series", subject=subject, source="test", source_url="https://x.example/",
        fetched_at=START, as_of=points[-1].time, units={column: unit}, points=points, stale=False, note=None,
    )


def btc_month() -> Series:
    closes = [150_000_000 + 500_000 * i + (3_000_000 if i % 7 == 0 else 0) for i in range(30)]
    closes[-1] = 162_876_000
    return series("KRW-BTC", "close", closes, step=timedelta(days=1), unit="KRW", connector="crypto")


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, chunk = struct.unpack(">I4s", png[8:16])
    assert chunk == b"IHDR" and length == 13
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_a_series_becomes_a_small_png_of_the_expected_size() -> None:
    pytest.importorskip("matplotlib")
    import io

    from matplotlib.image import imread

    [chart] = charts_for([btc_month()], lang="en")

    assert chart.name == "krw-btc-30d" and chart.title == "KRW-BTC · 30d close (KRW)"
    assert png_size(chart.png) == (800, 300)
    pixels = imread(io.BytesIO(chart.png), format="png")  # decodes: not just a header
    assert pixels.shape[:2] == (300, 800) and pixels.std() > 0.01  # something was drawn
    assert len(chart.png) < 120_000


def test_korean_titles_use_hangul_only_when_a_font_can_draw_it() -> None:
    pytest.importorskip("matplotlib")
    weather = series("서울특별시, 대한민국", "temperature", [3.1, 2.4, 1.9, 4.2], step=timedelta(hours=1),
                     unit="°C", connector="weather")

    charts = charts_for([btc_month(), weather], lang="ko")

    assert all(drawable(c.title) for c in charts)  # no glyph would render as an empty box
    if hangul_font() is None:
        assert charts[0].title == "KRW-BTC · 30d close (KRW)"  # English labels instead of tofu
        assert charts[1].title == "weather · 4h temperature (°C)"
    else:
        assert charts[0].title == "KRW-BTC · 30일 종가 (KRW)" and "서울특별시" in charts[1].title
    assert [c.name for c in charts] == ["krw-btc-30d", "weather-4h-temperature"]


def test_records_without_a_drawable_series_get_no_chart() -> None:
    one_point = series("EUR/USD", "rate", [1.08], step=timedelta(days=1), unit="USD per 1 EUR", connector="fx")
    observation = Observation(connector="fx", kind="fx.rate", subject="USD/KRW", source="t", source_url="https://x/",
                              fetched_at=START, as_of=START, stale=False, note=None)

    assert charts_for([one_point, observation], lang="en") == []
    assert sparklines_for([one_point, observation], lang="en") == []


def test_sparklines_show_shape_and_last_value() -> None:
    hourly = series("Seoul", "temperature", [float(i % 12) for i in range(48)], step=timedelta(hours=1),
                    unit="°C", connector="weather")

    lines = sparklines_for([btc_month(), hourly], lang="en")

    assert lines[0].startswith("KRW-BTC 30d ") and lines[0].endswith(" 162,876,000 KRW")
    assert len(lines[0].split(" ")[2]) == 30 and set(lines[0].split(" ")[2]) <= set("▁▂▃▄▅▆▇█")
    assert lines[1].startswith("Seoul 48h temperature ") and lines[1].endswith(" 11 °C")
    assert sparklines_for([btc_month()], lang="ko")[0].startswith("KRW-BTC 30일 ")


def test_sparkline_scales_to_the_range_and_fits_one_row() -> None:
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"
    assert sparkline([5, 5, 5]) == "▄▄▄"
    assert len(sparkline([float(i) for i in range(500)])) == 32
    assert [format_value(v) for v in (162_876_000, 1380.5234, 72400.0, 0.0123456)] == [
        "162,876,000", "1,380.52", "72,400", "0.01235"]


def test_a_font_that_draws_one_box_for_everything_does_not_count_as_hangul() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    from pathlib import Path

    fonts = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf"
    # Last Resort has every code point in its map, and draws the same placeholder for each.
    assert not draws_distinct_glyphs(str(fonts / "LastResortHE-Regular.ttf"), "가나")
    assert draws_distinct_glyphs(str(fonts / "DejaVuSans.ttf"), "AB")
    assert not draws_distinct_glyphs(str(fonts / "DejaVuSans.ttf"), "가나")  # not in its map at all


def test_charts_and_sparklines_of_records_the_real_connectors_built_from_recorded_payloads() -> None:
    pytest.importorskip("matplotlib")
    from tests.grounding.payload_records import BUILDERS

    fetched = datetime(2025, 10, 29, 22, 0, tzinfo=UTC)
    records = [*BUILDERS["yahoo_aapl"](fetched), *BUILDERS["weather_newyork"](fetched), *BUILDERS["fx_usd_krw"](fetched)]

    charts = charts_for(records, lang="en")
    lines = sparklines_for(records, lang="en")

    # One chart per series (the quote, the current weather and the FX rate are single readings).
    assert [c.title for c in charts] == ["AAPL · 124d close (USD)", "New York, United States · 6h temperature (°C)"]
    assert all(png_size(c.png) == (800, 300) for c in charts)
    assert lines[0].startswith("AAPL 124d ") and lines[0].endswith(" 269.7 USD")
    assert lines[1].startswith("New York, United States 6h temperature ") and lines[1].endswith(" 19.7 °C")
