"""Prices and budgets applied to one backend: estimate before a call, refuse over budget."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING

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
        midnight = datetime.now(timezone.utc).astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        return self.store.spent_since(midnight)

    def check(self, estimate_usd: float | None) -> None:
        from bot.budget import check_budget

        if not self.enabled:
            return
        check_budget(estimate_usd, self.settings, self.spent_today(), model=self.backend.model)
