"""Budgets are checked before any call, with a refusal that says what and how to change it."""

from __future__ import annotations

import pytest

from bot.budget import check_budget
from bot.errors import BudgetExceededError
from bot.settings import Settings, load_settings


def settings(per_request: float | None = None, per_day: float | None = None) -> Settings:
    return Settings(budget_per_request_usd=per_request, budget_per_day_usd=per_day)


def refusal(estimate: float | None, s: Settings, spent: float = 0.0, model: str | None = "gpt-4o") -> str:
    with pytest.raises(BudgetExceededError) as info:
        check_budget(estimate, s, spent, model=model)
    assert info.value.exit_code == 40
    return str(info.value)


def test_no_budget_allows_everything_even_unknown_cost() -> None:
    for estimate in (None, 0.0, 0.5, 1e6):
        check_budget(estimate, settings(), spent_today_usd=1e6)


def test_per_request_refusal_names_estimate_budget_and_setting() -> None:
    message = refusal(0.0123, settings(per_request=0.01))
    assert "$0.0123" in message and "$0.01" in message
    assert "per-request budget" in message
    assert "BRIEFBOT_BUDGET_PER_REQUEST" in message and "budget_per_request_usd" in message
    assert "gpt-4o" in message


def test_limits_are_inclusive() -> None:
    check_budget(0.01, settings(per_request=0.01), 0.0)
    check_budget(0.25, settings(per_day=1.0), 0.75)
    check_budget(0.1 + 0.2, settings(per_request=0.3), 0.0)  # float noise is not a refusal


def test_per_day_refusal_shows_spend_estimate_and_budget() -> None:
    message = refusal(0.30, settings(per_day=1.0), spent=0.80)
    assert "$0.80" in message and "$0.30" in message and "$1.00" in message
    assert "daily budget" in message and "BRIEFBOT_BUDGET_PER_DAY" in message
    check_budget(0.19, settings(per_day=1.0), 0.80)


def test_per_request_checked_even_when_daily_budget_has_room() -> None:
    assert "per-request" in refusal(0.5, settings(per_request=0.1, per_day=100.0))


def test_unknown_cost_with_a_budget_is_refused_with_a_way_forward() -> None:
    for s in (settings(per_request=1.0), settings(per_day=5.0)):
        message = refusal(None, s, model="llama3")
        assert "cannot be estimated" in message and "'llama3'" in message
        assert "BRIEFBOT_PRICE_TABLE" in message and "unset the budget" in message
    both = refusal(None, settings(per_request=1.0, per_day=5.0))
    assert "per request $1.00" in both and "per day $5.00" in both


def test_free_calls_pass_even_past_the_daily_budget_and_with_zero_budgets() -> None:
    check_budget(0.0, settings(per_request=0.0, per_day=1.0), spent_today_usd=3.0)
    assert "per-request" in refusal(1e-6, settings(per_request=0.0))


def test_budgets_from_the_environment() -> None:
    loaded = load_settings({"BRIEFBOT_NO_DOTENV": "1", "HOME": "/nonexistent", "BRIEFBOT_BUDGET_PER_REQUEST": "0.002"})
    check_budget(0.002, loaded.settings, 0.0)
    assert "$0.002" in refusal(0.0021, loaded.settings)


def test_negative_inputs_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        check_budget(-0.1, settings(per_request=1.0), 0.0)
    with pytest.raises(ValueError):
        check_budget(0.1, settings(per_request=1.0), -1.0)
