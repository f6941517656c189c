"""Is an answer fit to be shown as the answer? The number check plus the asked figures.

:func:`prompts.grounding.check_numbers` finds numbers the data does not contain. That alone
passes an answer that quotes a real figure in the wrong role (the day's maximum 5.1 °C given
as the current 3.3 °C) or no figure at all ("The weather is nice."). So an answer must also
state, for every source it draws on, at least one of that source's headline figures (the
packer's choice of what the user most needs: the price, the rate, the current temperature,
a forecast's high and low) and every conversion's result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from prompts.grounding import check_numbers, extract_numbers
from prompts.packer import PackedContext


@dataclass(frozen=True)
class AnswerCheck:
    unverified: list[str] = field(default_factory=list)  # numbers the data does not hold
    missing: list[str] = field(default_factory=list)  # sources whose headline figures the answer lacks

    @property
    def ok(self) -> bool:
        return not self.unverified and not self.missing


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(abs(a) - abs(b)) <= max(tolerance, abs(b) * 1e-9)


def _states_one_of(answer_numbers: list[tuple[float, float]], figures: list[float]) -> bool:
    return any(_close(value, fig, tol) for value, tol in answer_numbers for fig in figures)


def asked_figures(packed: PackedContext) -> list[tuple[str, list[float]]]:
    """(what, figures) pairs an answer must cover: one of each source's headline figures and
    each conversion's result. Sources without a number (a condition only) ask nothing."""
    out: list[tuple[str, list[float]]] = []
    seen: set[str] = set()
    for ref in packed.sources:
        label = f"{ref.subject} ({ref.source})"
        numbers = [n.value for n in extract_numbers(ref.headline)]
        if numbers and label not in seen:
            seen.add(label)
            out.append((label, numbers))
    for line in packed.derived_text:
        if line.startswith("conversion:"):
            result = line.split("=", 1)[1] if "=" in line else line
            numbers = [n.value for n in extract_numbers(re.split(r"\bat\b", result)[0])]
            if numbers:
                out.append((line, numbers))
    return out


def check_answer(answer: str, packed: PackedContext) -> AnswerCheck:
    """Unverified numbers, and the sources whose figures the answer does not state."""
    written = [(n.value, n.tolerance) for n in extract_numbers(answer)]
    missing = [what for what, figures in asked_figures(packed) if not _states_one_of(written, figures)]
    # Several quotes of one subject (a quote and its history) need one of them, not each.
    subjects_covered = {what.split(" (")[0] for what, figures in asked_figures(packed) if _states_one_of(written, figures)}
    missing = [what for what in missing if what.split(" (")[0] not in subjects_covered]
    return AnswerCheck(unverified=check_numbers(answer, packed) if answer.strip() else [], missing=missing)
