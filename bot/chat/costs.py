"""Prices and budgets applied to one backend: estimate before a call, refuse over budget."""

from __future__ import annotations

import json
from functools import cached_property
from typing import TYPE_CHECKING, Any

from bot.localtime import DisplayZone

if TYPE_CHECKING:
    from bot.llm.backend import ChatBackend
    from bot.pricing import PriceTable
    from bot.settings import Settings
    from bot.store import HistoryStore


class CostGuard:
    def __init__(self, settings: Settings, store: HistoryStore, backend: ChatBackend) -> None:
        self.settings = settings
        self.store = store
        self.backend = backend

    @property
    def enabled(self) -> bool:
        """Whether any budget is set (only then is a prompt counted before the call)."""
        return self.settings.budget_per_request_usd is not None or self.settings.budget_per_day_usd is not None

    @cached_property
    def table(self) -> PriceTable:
        from bot.pricing import PriceTable

        return PriceTable.load(self.settings.price_table)

    def estimate(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """USD for this many tokens on the current model; 0 locally; None when unknown."""
        return self.table.estimate(self.backend.model, prompt_tokens, completion_tokens, self.backend.name).usd

    def spent_today(self) -> float:
        """Known spend since midnight in BRIEFBOT_TIMEZONE (the system zone when unset).

        "Now" is the usage ledger's clock, the one its rows are stamped with; the midnight is
        that date's own midnight in the zone (its offset, not now's, on a DST day).
        """
        zone = DisplayZone.named(self.settings.timezone)
        return self.store.spent_since(zone.start_of_day(zone.local(self.store.clock())))

    def check(self, estimate_usd: float | None) -> None:
        from bot.budget import check_budget

        if not self.enabled:
            return
        check_budget(estimate_usd, self.settings, self.spent_today(), model=self.backend.model)


class PlanningCalls:
    """The tool planner's model calls, held to the same rules as an answer: each is estimated
    and checked against the budgets before it is sent (prompt + tool schemas + the reply
    bound), and written to the usage ledger (kind "plan") after. Totals are kept for /cost."""

    def __init__(self, guard: CostGuard) -> None:
        self.guard = guard
        self.calls = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost_usd: float | None = 0.0
        self.estimated = False
        self._sent: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])

    def _count_prompt(self) -> int:
        messages, tools = self._sent
        backend = self.guard.backend
        # Tool schemas are sent as JSON beside the messages; counted as such (an upper estimate).
        return backend.count_prompt_tokens(messages) + backend.count_text_tokens(json.dumps(tools, ensure_ascii=False))

    def before_call(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], max_tokens: int) -> None:
        self._sent = (list(messages), tools)
        if self.guard.enabled:
            self.guard.check(self.guard.estimate(self._count_prompt(), max_tokens))

    def after_call(self, usage: tuple[int, int] | None, reply_text: str) -> None:
        from bot.store import TurnUsage

        if usage is None:  # a server that reports no usage: count what was sent and received
            prompt, completion, estimated = self._count_prompt(), self.guard.backend.count_text_tokens(reply_text), True
        else:
            (prompt, completion), estimated = usage, False
        cost = self.guard.estimate(prompt, completion)
        self.guard.store.record_usage(
            backend=self.guard.backend.name, model=self.guard.backend.model, kind="plan",
            usage=TurnUsage(prompt_tokens=prompt, completion_tokens=completion, estimated=estimated, cost_usd=cost),
        )
        self.calls += 1
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.estimated |= estimated
        self.cost_usd = None if cost is None or self.cost_usd is None else self.cost_usd + cost
