"""Figures with their units, as the data writes them: "162,876,000원" is a KRW figure,
"-0.17%" a percentage, "2 points" a count with no unit.

The number check (:func:`prompts.grounding.extract_numbers`) reads quantities; what an
answer may say about one also depends on its unit. The constrained retry binds each of the
data's numbers to its unit (so "269.70 USD" cannot come out as "269.70원"), and the figures
an answer must state are the ones a headline gives *with* a unit (a price, a rate, a
temperature, a percentage), never a count, a period or a day of the month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prompts.grounding import MONTH_DAY, extract_numbers
from prompts.results import PackedContext


@dataclass(frozen=True)
class Figure:
    text: str  # as written: "162,876,000", "-0.17%", "1억 6,288만"
    value: float
    unit: str  # "KRW", "USD", "°C", "%" … or "" for a count
    role: str = ""  # "rain chance" for a chance of rain: a bare "1%" says nothing of what it is


# Time zones look like currency codes; they follow clock times, which are not quantities.
_TIME_ZONES = {"KST", "UTC", "GMT", "EDT", "EST", "CDT", "CST", "PDT", "PST", "CET", "CEST", "WET", "WEST", "JST", "BST"}
_KO_CURRENCY = {"원": "KRW", "달러": "USD", "유로": "EUR", "엔": "JPY"}
_UNIT_AFTER = re.compile(r"\s?(°C|°F|원|달러|유로|엔|[A-Z]{3}(?![A-Za-z])|mm|cm|km/h|m/s|hPa|[µμ]g/m³)")
# "16.5~18.6°C": the first end of a range takes the unit written after the second.
_RANGE_REST = re.compile(r"\s?~\s?[-+−]?[\d,]+(?:\.\d+)?")
# Words before a percentage that make it a chance of rain.
_RAIN_CHANCE = re.compile(r"probability|chance of rain|rain chance|강수확률|비 올 확률")
_ROLE_REACH = 28
# A column label's unit applies to the numbers of its line: "close(KRW): min 162483000 at 07-28".
_LABEL_UNIT = re.compile(r"\((°C|°F|[A-Z]{3}|mm|%)\)\s*:")


def _unit_after(rest: str) -> str:
    range_rest = _RANGE_REST.match(rest)
    if range_rest:
        rest = rest[range_rest.end():]
    m = _UNIT_AFTER.match(rest)
    if not m or m.group(1) in _TIME_ZONES:
        return ""
    unit = m.group(1).replace("μ", "µ")  # Greek mu and the micro sign: one unit, two spellings
    return _KO_CURRENCY.get(unit, unit)


def figures(text: str) -> list[Figure]:
    """Every quantity of ``text`` with its unit, in order."""
    out: list[Figure] = []
    for line in text.splitlines():
        masked = MONTH_DAY.sub(lambda m: " " * len(m.group(0)), line)
        label = _LABEL_UNIT.search(masked)
        cursor, previous_unit = 0, ""
        for n in extract_numbers(masked):
            at = masked.find(n.text, cursor)
            if at < 0:
                continue
            cursor = at + len(n.text)
            role = ""
            if n.text.endswith("%"):
                unit = "%"
                if _RAIN_CHANCE.search(masked[max(0, at - _ROLE_REACH):at]):
                    role = "rain chance"
            else:
                unit = _unit_after(masked[cursor:])
                if not unit and any(c in n.text for c in "만억조"):
                    unit = previous_unit  # "162876000 KRW (1억 6,288만)": the same amount, read in 만/억
                if not unit and label and at > label.end():
                    unit = label.group(1)
            out.append(Figure(n.text, n.value, unit, role))
            previous_unit = unit or previous_unit
    return out


def stated_figures(text: str) -> list[Figure]:
    """The figures of ``text`` that carry a unit: what a headline states, without its counts."""
    return [f for f in figures(text) if f.unit]


def stated_part(headline: str) -> str:
    """The part of a headline that states its figures: for "1 EUR = 161.88 JPY", what follows
    the "=" (the 1 is the unit being priced, not an answer)."""
    return headline.split("=", 1)[1] if "=" in headline else headline


def headline_figures(packed: PackedContext, *, asked: bool = False) -> dict[str, list[Figure]]:
    """Each subject's headline figures, in the data's order.

    ``asked``: only what the question asks for. A subject whose history was fetched was asked
    how it moved over a period, so its change over that period ("+26.9% over 6 months")
    answers, not today's price.
    """
    figures_of: dict[str, list[Figure]] = {}
    period_changes: dict[str, list[Figure]] = {}
    for ref in packed.sources:
        figs = stated_figures(stated_part(ref.headline))
        figures_of.setdefault(ref.subject, []).extend(figs)
        if ref.kind in ("stocks.daily", "crypto.daily", "fx.series"):  # a price history, not a forecast
            period_changes.setdefault(ref.subject, []).extend(f for f in figs if f.unit == "%")
    if asked:
        return {subject: period_changes.get(subject) or figs for subject, figs in figures_of.items()}
    return figures_of


def _conversions(packed: PackedContext) -> list[tuple[str, str, str]]:
    """(line, what is converted, what it comes to) of each "conversion: A = B …" line."""
    parts = [(line, line.partition("=")) for line in packed.derived_text if line.startswith("conversion:")]
    return [(line, converted, result) for line, (converted, sep, result) in parts if sep]


def conversion_results(packed: PackedContext) -> list[tuple[str, list[Figure]]]:
    """Each conversion line and its result: the amount, and its 만/억 reading if written."""
    return [(line, stated_figures(result)[:2]) for line, _converted, result in _conversions(packed)]


def converted_amounts(packed: PackedContext) -> list[Figure]:
    """What each conversion converts ("250 USD" of "250 USD = 363,410 KRW")."""
    return [f for _line, converted, _result in _conversions(packed) for f in stated_figures(converted)]
