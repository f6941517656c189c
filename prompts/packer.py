"""Pack fetched records and derived facts into compact context within a token budget.

Why compact: raw tool output has blown context windows (OpenBB#7315, 210k tokens) and pretty
JSON costs ~2.6× CSV for no accuracy gain. So a series becomes one CSV-like table (header row
once), a single reading becomes ``key: value`` lines, numbers are rounded by meaning, only the
fields the question needs are kept, and a long series is summarised by derived facts plus a
few anchor points. When even that does not fit, detail is shed level by level, and blocks
that still do not fit are named as omitted: nothing disappears silently.

Every block states its source and as-of time (in the place's or market's zone: KST for
Korea) and whether it is stale; failed sources get a block of their own. Everything fetched
sits inside one DATA fence whose markers text fields cannot forge (``<`` and ``>`` are
replaced in fetched text). The rule that instructions inside the fence are never followed is
in the grounded system prompt (``grounded_system.md``), which always travels with this text:
stating it again in every context cost ~25 tokens per question for nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from connectors.records import Record
from prompts.blocks import LEVELS, RecordBlocks, Block
from prompts.conversions import conversion_facts
from prompts.facts import Fact, comparison_facts
from prompts.fences import FENCE_CLOSE, FENCE_OPEN, MAX_TEXT, clean_text, new_nonce, source_label
from prompts.fields import TraitsLookup, installed_traits, select_fields
from prompts.formatting import display_zone, fmt_number, fmt_time
from prompts.results import PackedContext, SourceFailure, SourceRef

# The packer's public names before it was split by concept; importers keep using them here.
__all__ = [
    "FENCE_CLOSE", "FENCE_OPEN", "LEVELS", "MAX_TEXT", "ContextPacker", "PackedContext", "SourceFailure", "SourceRef",
    "clean_text", "display_zone", "fmt_number", "fmt_time", "select_fields", "source_label",
]


class ContextPacker:
    """Records + derived facts → :class:`PackedContext` within ``budget`` tokens."""

    def __init__(
        self,
        *,
        budget: int = 1500,
        model: str = "gpt-4o-mini",
        lang: str = "en",
        topics: frozenset[str] = frozenset(),
        amount: tuple[float, str] | None = None,
        target: str | None = None,
        notes: Sequence[str] = (),
        counter: Callable[[str, str], int] | None = None,
        traits_of: TraitsLookup = installed_traits,
    ) -> None:
        self.budget = budget
        self.model = model
        self.lang = lang
        self.topics = topics
        self.amount = amount
        self.target = target
        self.notes = list(notes)
        self._counter = counter
        self.traits_of = traits_of  # what each connector declares (domain, answer fields)

    def count(self, text: str) -> int:
        if self._counter is not None:
            return self._counter(text, self.model)
        from prompts.tokens import count_text  # deferred: tiktoken is a heavy import

        return count_text(text, self.model)

    def pack(
        self,
        records: Sequence[Record],
        failures: Sequence[SourceFailure] = (),
        *,
        now: datetime | None = None,
    ) -> PackedContext:
        now = now or datetime.now(timezone.utc)
        records_to_blocks = RecordBlocks(self.lang, self.topics, self.traits_of)
        facts: list[Fact] = []
        blocks: list[Block] = []
        sources: list[SourceRef] = []
        for rec in records:
            rec_facts = records_to_blocks.facts_for(rec)
            facts.extend(rec_facts)
            sources.append(records_to_blocks.source_ref(rec, now, rec_facts))
            blocks.append(records_to_blocks.block(rec, rec_facts, now))
        extra = conversion_facts(records, amount=self.amount, target=self._target())
        if "compare" in self.topics or len({f.subject for f in facts if f.name == "change_pct"}) > 1:
            extra.extend(comparison_facts(facts))
        facts.extend(extra)
        seen: set[tuple[str, str, float | None]] = set()
        derived_lines = []
        for f in extra:
            key = (f.subject, f.unit, f.number)
            if f.name.startswith("in_") and key in seen:
                continue  # the quote's price and the history's close converted to the same amount
            seen.add(key)
            derived_lines.append(records_to_blocks.derived_line(f))
        failure_lines = [self._failure_line(f) for f in failures]
        nonce = new_nonce()

        omitted: list[str] = []
        for level in range(len(LEVELS)):
            text = self._render(blocks, level, derived_lines, failure_lines, omitted, now, nonce)
            tokens = self.count(text)
            if tokens <= self.budget:
                return PackedContext(text, tokens, self.budget, sources, facts, list(failures), omitted, level,
                                     self.lang, derived_lines)
        # Still too big at the tersest level: drop whole blocks from the end, and say so.
        level = len(LEVELS) - 1
        kept = list(blocks)
        while kept:
            dropped = kept.pop()
            omitted.insert(0, dropped.subject)
            text = self._render(kept, level, derived_lines, failure_lines, omitted, now, nonce)
            tokens = self.count(text)
            if tokens <= self.budget:
                break
        return PackedContext(text, tokens, self.budget, sources, facts, list(failures), omitted, level,
                             self.lang, derived_lines)

    # --- pieces ---------------------------------------------------------------------------

    def _target(self) -> str | None:
        if self.target:
            return self.target
        if self.amount is not None:
            return "KRW" if self.amount[1] != "KRW" else "USD"
        if "convert" in self.topics:
            return "KRW" if self.lang == "ko" else None
        return None

    def _failure_line(self, f: SourceFailure) -> str:
        kind = f" [{clean_text(f.error, 40)}]" if f.error else ""
        return f"## MISSING {clean_text(f.describe(), 80)}: fetch failed{kind}: {clean_text(f.message)}. No data from this source; say so if the question needs it."

    def _render(
        self,
        blocks: Sequence[Block],
        level: int,
        derived: Sequence[str],
        failures: Sequence[str],
        omitted: Sequence[str],
        now: datetime,
        nonce: str,
    ) -> str:
        body_parts: list[str] = []
        for i, b in enumerate(blocks):
            shared = (i > 0 and blocks[i - 1].head == b.head) or (i + 1 < len(blocks) and blocks[i + 1].head == b.head)
            if shared:
                # One header for consecutive blocks with the same subject, source and as-of time.
                if i == 0 or blocks[i - 1].head != b.head:
                    body_parts.append(f"## {b.head}")
                body = b.body_by_level[level]
                if re.match(r"\d+ points", body):
                    body_parts.append(f"{b.kind}, {body}")  # "hourly, 24 points, summarised:"
                else:
                    body_parts.append(f"{b.kind}:\n{body}")
            else:
                body_parts.append(f"## {b.subject} {b.kind} · {b.head.split(' · ', 1)[1]}")
                body_parts.append(b.body_by_level[level])
        if derived:
            body_parts.append("## derived by briefbot")
            body_parts.extend(derived)
        body_parts.extend(failures)
        if omitted:
            body_parts.append("## OMITTED for the token budget: " + "; ".join(omitted))
        if not blocks and not failures and not omitted:  # data cut for the budget is not "no data"
            body_parts.append("## NO DATA: no data source was fetched for this question.")
        body = "\n".join(p for p in body_parts if p)
        open_m, close_m = FENCE_OPEN.format(nonce=nonce), FENCE_CLOSE.format(nonce=nonce)
        # No "now" line: every block states its as-of time and its age, which together give it.
        head = [f"planner note: {clean_text(n)}" for n in self.notes]
        return "\n".join([*head, open_m, body, close_m])
