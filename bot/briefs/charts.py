"""Pictures of series sources: a PNG chart each, and one-line Unicode sparklines.

matplotlib is imported only when a chart is drawn (``briefbot --help`` stays fast), and
through its object API with the Agg canvas: no pyplot, no global figure state, no display.
Titles are drawn only with glyphs a present font has: a Korean title needs a Hangul font
(Noto Sans CJK, Nanum, ...); without one the title falls back to English labels and any
subject it cannot draw to the source's ASCII name, rather than a row of empty boxes.
"""

from __future__ import annotations

import functools
import io
import re
import statistics
from collections.abc import Sequence
from datetime import datetime

from bot.briefs.document import Chart
from connectors.records import Record, Series

WIDTH_PX, HEIGHT_PX, DPI = 800, 300, 100
BARS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 32
# The column worth drawing for each kind of series, most telling first.
PREFERRED_COLUMNS = ("close", "price", "rate", "temperature", "temperature_max")
COLUMN_LABELS = {
    "en": {"close": "close", "price": "price", "rate": "rate", "temperature": "temperature",
           "temperature_max": "daily high"},
    "ko": {"close": "종가", "price": "가격", "rate": "환율", "temperature": "기온", "temperature_max": "최고기온"},
}
SPAN_UNITS = {"en": ("d", "h", " points"), "ko": ("일", "시간", "개")}


def charts_for(records: Sequence[Record], *, lang: str) -> list[Chart]:
    """A PNG (800x300) per series record with at least two numeric points."""
    charts: list[Chart] = []
    names: set[str] = set()
    for record in records:
        picked = _column(record)
        if picked is None:
            continue
        column, points = picked
        title = _title(record, column, points, lang)
        name = _unique(_slug(record, column, points), names)
        charts.append(Chart(name=name, title=title, png=render_png(points, title)))
    return charts


def sparklines_for(records: Sequence[Record], *, lang: str) -> list[str]:
    """``KRW-BTC 30d ▁▂▃▅▇ 162,876,000 KRW`` per series record."""
    lines: list[str] = []
    for record in records:
        picked = _column(record)
        if picked is None:
            continue
        column, points = picked
        values = [v for _, v in points]
        unit = record.units.get(column, "")
        label = f"{record.subject} {_span(points, lang)}"
        if column not in ("close", "price", "rate"):
            label += f" {_column_label(column, lang)}"
        lines.append(f"{label} {sparkline(values)} {format_value(values[-1])}{' ' + unit if unit else ''}")
    return lines


def sparkline(values: Sequence[float], width: int = SPARK_WIDTH) -> str:
    if not values:
        return ""
    if len(values) > width:
        # Averages of equal buckets: the shape survives, the line stays one terminal row.
        size = len(values) / width
        values = [statistics.fmean(values[int(i * size):max(int((i + 1) * size), int(i * size) + 1)]) for i in range(width)]
    low, high = min(values), max(values)
    if high == low:
        return BARS[3] * len(values)
    return "".join(BARS[round((v - low) / (high - low) * (len(BARS) - 1))] for v in values)


def format_value(value: float) -> str:
    if abs(value) >= 100_000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:.4g}"


def render_png(points: Sequence[tuple[datetime, float]], title: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    times = [t for t, _ in points]
    values = [v for _, v in points]
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(times, values, color="#1f6feb", linewidth=1.6)  # type: ignore[arg-type]
    axes.fill_between(times, values, min(values), color="#1f6feb", alpha=0.08)  # type: ignore[arg-type]
    family = hangul_font() if _has_hangul(title) else None
    axes.set_title(title, loc="left", fontsize=11, fontfamily=family)
    # minticks=2: a few hours of points still get ticks. (matplotlib leaves these two untyped.)
    locator = AutoDateLocator(minticks=2, maxticks=7)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v)))
    axes.grid(alpha=0.3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def hangul_font() -> str | None:
    """The family name of an installed font that really draws Hangul, or None (checked once)."""
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if draws_distinct_glyphs(entry.fname, "가나"):
            return str(entry.name)
    return None


def draws_distinct_glyphs(font_path: str, chars: str) -> bool:
    """Whether the font maps each character to its own picture. A character map is not
    enough: matplotlib's bundled "Last Resort" font maps every code point, to one box."""
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(font_path)
        charmap = font.get_charmap()
        if any(ord(c) not in charmap for c in chars):
            return False
        pictures: set[bytes] = set()
        for char in chars:
            font.set_size(24, 72)
            font.set_text(char, 0.0)
            font.draw_glyphs_to_bitmap()
            pictures.add(font.get_image().tobytes())
    except (OSError, RuntimeError, ValueError):
        return False
    return len(pictures) == len(chars)


@functools.lru_cache(maxsize=1)
def _default_glyphs() -> frozenset[int]:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    return frozenset(FT2Font(path).get_charmap())


def drawable(text: str) -> bool:
    """Whether every character of ``text`` has a glyph in the fonts a chart title uses."""
    if _has_hangul(text) and hangul_font() is not None:
        return True
    glyphs = _default_glyphs()
    return all(ord(c) in glyphs or c.isspace() for c in text)


def _title(record: Record, column: str, points: Sequence[tuple[datetime, float]], lang: str) -> str:
    unit = record.units.get(column)
    for language in dict.fromkeys((lang, "en")):
        label = COLUMN_LABELS.get(language, COLUMN_LABELS["en"]).get(column, column)
        title = f"{record.subject} · {_span(points, language)} {label}" + (f" ({unit})" if unit else "")
        if drawable(title):
            return title
    # Neither language draws: the subject itself has letters no font here has.
    subject = re.sub(r"[^\x20-\x7e]+", "", record.subject).strip(" ,") or record.connector
    return f"{subject} · {_span(points, 'en')} {COLUMN_LABELS['en'].get(column, column)}" + (
        f" ({unit})" if unit and drawable(unit) else ""
    )


def _column(record: Record) -> tuple[str, list[tuple[datetime, float]]] | None:
    if not isinstance(record, Series) or not record.points:
        return None
    present = list(record.points[0].values)
    for column in [*(c for c in PREFERRED_COLUMNS if c in present), *present]:
        points = record.column(column)
        if len(points) >= 2 and column != "weather_code":
            return column, points
    return None


def _span(points: Sequence[tuple[datetime, float]], lang: str) -> str:
    days, hours, other = SPAN_UNITS.get(lang, SPAN_UNITS["en"])
    steps = [(b[0] - a[0]).total_seconds() for a, b in zip(points, points[1:])]
    step = statistics.median(steps) if steps else 0.0
    if step >= 20 * 3600:
        return f"{len(points)}{days}"
    if step >= 50 * 60:
        return f"{len(points)}{hours}"
    return f"{len(points)}{other}"


def _column_label(column: str, lang: str) -> str:
    return COLUMN_LABELS.get(lang, COLUMN_LABELS["en"]).get(column, column)


def _slug(record: Record, column: str, points: Sequence[tuple[datetime, float]]) -> str:
    subject = re.sub(r"[^a-z0-9]+", "-", record.subject.lower()).strip("-") or record.connector
    suffix = "" if column in ("close", "price", "rate") else f"-{column.replace('_', '-')}"
    return f"{subject}-{_span(points, 'en').replace(' points', 'p')}{suffix}"


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _has_hangul(text: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" or "\u3130" <= c <= "\u318f" for c in text)
