"""Cost budgets, checked before any call is made.

Two optional budgets, both in USD: per request (``BRIEFBOT_BUDGET_PER_REQUEST``) and per day
(``BRIEFBOT_BUDGET_PER_DAY``, against today's spend from the usage ledger). The estimate the
caller passes is the worst case it can know: prompt tokens plus ``max_tokens`` of output.

Decisions, and why:

* No budget set: nothing is refused, whatever the cost, known or not.
* A call whose estimate is exactly 0 (the local backend) is never refused, even when today's
  spend is already past the daily budget: budgets limit money, and it spends none.
* Unknown cost (no price for the model) with any budget set: refused. A budget is a promise
  not to spend more than the user allowed; a tool that cannot price a call cannot keep it, and
  failing open would make budgets silently useless for every model missing from the table.
  The refusal says how to proceed: add the model's price to a price table (price a free
  self-hosted model at 0), or unset the budget.
* Limits are inclusive: an estimate equal to the budget is allowed; a budget of 0 therefore
  means "free calls only".
"""

from __future__ import annotations

from typing import Protocol

from bot.errors import BudgetExceededError
from bot.pricing import format_usd

# Float sums of per-token prices carry rounding noise far below a millionth of a cent.
_EPSILON = 1e-12

_REQUEST_SETTING = "BRIEFBOT_BUDGET_PER_REQUEST (config.toml: budget_per_request_usd)"
_DAY_SETTING = "BRIEFBOT_BUDGET_PER_DAY (config.toml: budget_per_day_usd)"


class BudgetSettings(Protocol):
    """The two settings this module reads; bot.settings.Settings satisfies it."""

    @property
    def budget_per_request_usd(self) -> float | None: ...

    @property
    def budget_per_day_usd(self) -> float | None: ...


def check_budget(
    estimate_usd: float | None,
    settings: BudgetSettings,
    spent_today_usd: float,
    *,
    model: str | None = None,
) -> None:
    """Raise BudgetExceededError when a call estimated at ``estimate_usd`` may not be made.

    ``estimate_usd`` is None when the model's price is unknown; ``model`` only improves the
    message.
    """
    if estimate_usd is not None and estimate_usd < 0:
        raise ValueError("a cost estimate cannot be negative")
    if spent_today_usd < 0:
        raise ValueError("today's spend cannot be negative")
    per_request = settings.budget_per_request_usd
    per_day = settings.budget_per_day_usd
    if per_request is None and per_day is None:
        return
    which = f"model {model!r}" if model else "this model"

    if estimate_usd is None:
        budgets = []
        if per_request is not None:
            budgets.append(f"per request {format_usd(per_request)}")
        if per_day is not None:
            budgets.append(f"per day {format_usd(per_day)}")
        raise BudgetExceededError(
            f"refusing the call: its cost cannot be estimated ({which} has no price in the price table) "
            f"and a budget is set ({', '.join(budgets)})",
            hint="add the model's input/output prices (USD per 1M tokens) to a JSON price table and point "
            "BRIEFBOT_PRICE_TABLE at it (a free self-hosted model can be priced at 0), or unset the budget",
        )
    if estimate_usd == 0:
        return

    if per_request is not None and estimate_usd > per_request + _EPSILON:
        raise BudgetExceededError(
            f"refusing the call: its estimated cost {format_usd(estimate_usd)} (prompt + max_tokens, {which}) "
            f"exceeds the per-request budget of {format_usd(per_request)}",
            hint=f"raise or unset {_REQUEST_SETTING}, or lower BRIEFBOT_MAX_TOKENS, shorten the question, "
            "or use a cheaper model",
        )
    if per_day is not None and spent_today_usd + estimate_usd > per_day + _EPSILON:
        raise BudgetExceededError(
            f"refusing the call: today's spend {format_usd(spent_today_usd)} plus this call's estimated "
            f"{format_usd(estimate_usd)} ({which}) would exceed the daily budget of {format_usd(per_day)}",
            hint=f"raise or unset {_DAY_SETTING}, or wait until tomorrow; `briefbot usage` shows today's spend",
        )
