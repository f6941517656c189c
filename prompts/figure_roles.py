"""Which figure a word names: after "price" or "주가" comes the price, after "환율" or "rate"
the exchange rate, after "peaks"/"최고" a maximum, after "low"/"최저" a minimum, after
"now"/"지금" a current reading, after "chance"/"확률" a probability, straight after
"rain"/"비가" an amount or a chance of rain; a figure keeps its unit; and the currencies an answer names
are the data's.

Seen on the bundled 270M model, with every figure real: "the price is 163158000 KRW" (the
previous close), "원달러 환율을 162,876,000원으로" (the bitcoin price as the exchange rate),
"Lisbon peaks at 12.1 °C" (the current temperature), "269.70 USD (+0.70%)" (a change of
0.70 USD, 0.26%), "at 1 USD per GBP" over dollar and won data.
"""

from __future__ import annotations

import re

from prompts.figures import conversion_results, figures, stated_figures, stated_part
from prompts.grounding import extract_numbers
from prompts.packer import PackedContext

# A label, then a few characters without digits, then the figure it names.
_PRICE_LABEL = re.compile(r"(?i)\bprice\b|가격|주가|시세")
_RATE_LABEL = re.compile(r"(?i)\b(?:exchange )?rate\b|환율")
_HIGH_LABEL = re.compile(r"(?i)\b(?:peaks?|highs?|highest|max(?:imum)?)\b|최고")
_LOW_LABEL = re.compile(r"(?i)\b(?:lows?|lowest|min(?:imum)?|drops? to)\b|최저")
_CHANCE_LABEL = re.compile(r"(?i)\bchance\b|\bprobability\b|확률")
# "비가 12.1 °C": rain straight before a figure makes it an amount or a chance of rain.
_RAIN_LABEL = re.compile(r"(?i)\brain\b|비가|비는")
_RAIN_REACH = 4
_NOW_LABEL = re.compile(r"(?i)\b(?:now|currently)\b|지금|현재")
_LABEL_REACH = 16
_CURRENCY_CODES = ("USD", "EUR", "JPY", "KRW", "GBP", "CNY", "CHF", "CAD", "AUD", "HKD", "SGD")
_CURRENCY_NAMES = {"달러": "USD", "유로": "EUR", "엔화": "JPY", "파운드": "GBP", "위안": "CNY", "dollar": "USD",
                   "euro": "EUR", "yen": "JPY", "pound": "GBP", "yuan": "CNY"}


def _headline_amounts(packed: PackedContext, kind: str) -> list[float]:
    """The amounts (not percentages) the headlines of sources of ``kind`` state."""
    return [f.value for ref in packed.sources if kind in ref.kind
            for f in stated_figures(stated_part(ref.headline)) if f.unit != "%"]


def _summary_values(packed: PackedContext, *words: str) -> list[float]:
    """Numbers the data gives as one of ``words`` ("max"/"high"): on a line whose label says
    so ("temperature_max(°C): …", "high: …"), or in a part that starts with it ("…; max 23.9")."""
    out: list[float] = []
    for line in packed.text.splitlines():
        label, _, rest = line.partition(":")
        for part in rest.split(";") if rest else []:
            if any(w in label or part.strip().startswith(w) for w in words):
                out.extend(n.value for n in extract_numbers(part))
    return out


def _current_values(packed: PackedContext) -> list[float]:
    """Numbers of the "current:" sections and of quotes' prices: what is true now."""
    out: list[float] = []
    current = False
    for line in packed.text.splitlines():
        if line.startswith("## ") or re.match(r"^(hourly|daily|quote)\b.*:$", line):
            current = False
        if line.strip() in ("current:", "quote:"):
            current = True
        elif current or line.startswith(("price:", "rate:")):
            out.extend(n.value for n in extract_numbers(line.split(" vs ")[0]))
    return out


def labelled_figure_problem(answer: str, packed: PackedContext) -> str | None:
    """A figure right after a word that names another kind of figure (see the module)."""
    conversions = [f.value for _line, figs in conversion_results(packed) for f in figs]
    roles = ((_PRICE_LABEL, "price", _headline_amounts(packed, "quote") + _headline_amounts(packed, "daily")),
             (_RATE_LABEL, "rate", _headline_amounts(packed, "rate")),
             (_HIGH_LABEL, "high", _summary_values(packed, "max", "high")),
             (_LOW_LABEL, "low", _summary_values(packed, "min", "low")),
             (_CHANCE_LABEL, "chance", _summary_values(packed, "probability")),
             (_RAIN_LABEL, "rain amount or chance", _summary_values(packed, "precipitation")),
             (_NOW_LABEL, "current reading", _current_values(packed)))
    for label, what, values in roles:
        reach = _RAIN_REACH if label is _RAIN_LABEL else _LABEL_REACH
        # No such figure in the data: whatever figure follows the word is not one.
        allowed = values + conversions
        for m in label.finditer(answer):
            digit = re.search(r"\d", answer[m.end():m.end() + reach])
            if digit is None or re.search(r"[.,;]\s", answer[m.end():m.end() + digit.start()]):
                continue  # no figure follows within the clause
            after = answer[m.end() + digit.start():]
            written = extract_numbers(after)
            if what == "rate" and written and written[0].value == 1:
                written = written[1:]  # "환율은 1유로당 1582.87원": the unit being priced comes first
            if not written or re.match(r"[\d.,]*\s?~", after[after.find(written[0].text):]):
                continue  # a range's first end ("0~32%") is judged with its range, not here
            first = written[0]
            if what in ("price", "rate") and first.text.endswith("%"):
                continue  # "주가 29.0% 상승": a price's change, judged by the direction checks
            if not any(abs(abs(first.value) - abs(a)) <= max(first.tolerance, abs(a) * 1e-9) for a in allowed):
                return f"gives {first.text} as the {what}"
    return None


def unit_problem(answer: str, packed: PackedContext) -> str | None:
    """A figure written with a unit the data never gives it: "+0.70%" for a change of 0.70 USD."""
    data = figures(packed.text + "\n" + "\n".join(packed.derived_text))
    for f in figures(answer):
        if not f.unit:
            continue
        units = {d.unit for d in data if abs(abs(d.value) - abs(f.value)) <= max(abs(f.value) * 1e-9, 1e-9)}
        if units and "" not in units and f.unit not in units:
            return f"writes {f.text} in {f.unit}, but the data gives it in {'/'.join(sorted(units))}"
    return None


def _data_currencies(packed: PackedContext) -> set[str]:
    data = packed.text + "\n" + "\n".join(packed.derived_text)
    codes = {code for code in _CURRENCY_CODES if re.search(rf"\b{code}\b", data)}
    return codes | {code for word, code in _CURRENCY_NAMES.items() if word in data.lower()}


def foreign_currency_words(packed: PackedContext) -> list[str]:
    """The currency codes and names of currencies the data never mentions."""
    present = _data_currencies(packed)
    return [c for c in _CURRENCY_CODES if c not in present] + [w for w, c in _CURRENCY_NAMES.items() if c not in present]


def foreign_currency_problem(answer: str, packed: PackedContext) -> str | None:
    """A currency the data never mentions ("per GBP" over dollar and won data)."""
    present = _data_currencies(packed)
    named = {code for code in _CURRENCY_CODES if re.search(rf"\b{code}\b", answer)}
    named |= {code for word, code in _CURRENCY_NAMES.items() if word in answer.lower()}
    foreign = sorted(named - present)
    return f"names {foreign[0]}, which the data does not" if foreign else None


# "363,410 KRW is 1453.64 KRW": two amounts of one currency said to be equal.
_EQUATED = re.compile(r"(?i)(\d[\d,]*(?:\.\d+)?)\s?([A-Z]{3}|won|dollars|euros|yen)\s+(?:is|equals|=)\s+"
                      r"(?:about\s+)?(\d[\d,]*(?:\.\d+)?)\s?([A-Z]{3}|won|dollars|euros|yen)\b")


def equated_figures_problem(answer: str) -> str | None:
    for m in _EQUATED.finditer(answer):
        a, b = (float(m.group(i).replace(",", "")) for i in (1, 3))
        if m.group(2).lower() == m.group(4).lower() and a != b:
            return f"says {m.group(1)} {m.group(2)} is {m.group(3)} {m.group(4)}"
    return None
