"""The per-day budget's day is a day in BRIEFBOT_TIMEZONE (the system zone when unset), and
"now" is the usage ledger's own clock, so a fixed clock decides which calls count as today.

Real SQLite (the history store with its injectable clock) and the real CostGuard; the system
zone is set through TZ for the test, so the two zones really differ.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from bot.chat.costs import CostGuard
from bot.errors import BudgetExceededError
from bot.settings import Settings
from bot.store import HistoryStore, TurnUsage


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class PricedModel:
    """The two attributes CostGuard reads of a backend (no call is made in these tests)."""

    name = "openai"
    model = "gpt-4o-mini"


@pytest.fixture
def system_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's own zone is New York for the test (UTC-5, UTC-4 from 2026-03-08)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def guard_at(tmp_path: Path, now: datetime, spends: list[tuple[datetime, float]], **settings: Any) -> CostGuard:
    clock = FixedClock(now)
    store = HistoryStore.open(tmp_path / "history.sqlite3", clock=clock)
    for moment, cost in spends:
        clock.now = moment
        store.record_usage(backend="openai", model="gpt-4o-mini", usage=TurnUsage(10, 10, cost_usd=cost), kind="ask")
    clock.now = now
    return CostGuard(Settings(budget_per_day_usd=1.0, **settings), store, cast(Any, PricedModel()))


# 2026-03-01 23:50 in Seoul (still 09:50 that morning in New York), then 00:10 the next Seoul day.
SEOUL_YESTERDAY = (datetime(2026, 3, 1, 14, 50, tzinfo=UTC), 0.80)
SEOUL_TODAY = (datetime(2026, 3, 1, 15, 10, tzinfo=UTC), 0.10)
SEOUL_1AM = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 01:00 on 2 March in Seoul, 11:00 on 1 March in New York


def test_the_day_starts_at_midnight_in_the_configured_zone(tmp_path: Path, system_zone: None) -> None:
    guard = guard_at(tmp_path, SEOUL_1AM, [SEOUL_YESTERDAY, SEOUL_TODAY], timezone="Asia/Seoul")
    assert guard.spent_today() == pytest.approx(0.10)
    guard.check(0.85)  # 0.10 + 0.85 fits the $1.00 day; yesterday's 0.80 is not counted
    with pytest.raises(BudgetExceededError) as refused:
        guard.check(0.95)
    assert "today's spend $0.10" in str(refused.value)


def test_without_a_configured_zone_the_day_is_the_system_zones(tmp_path: Path, system_zone: None) -> None:
    guard = guard_at(tmp_path, SEOUL_1AM, [SEOUL_YESTERDAY, SEOUL_TODAY])
    assert guard.spent_today() == pytest.approx(0.90)  # both were on 1 March in New York


def test_the_day_is_taken_from_the_ledgers_clock_not_the_wall_clock(tmp_path: Path, system_zone: None) -> None:
    # Years before the real date: only the injected clock can make this call "today".
    now = datetime(2020, 7, 1, 12, 0, tzinfo=UTC)
    guard = guard_at(tmp_path, now, [(datetime(2020, 7, 1, 1, 0, tzinfo=UTC), 0.30)], timezone="UTC")
    assert guard.spent_today() == pytest.approx(0.30)


def test_a_dst_day_starts_at_its_own_midnight_offset(tmp_path: Path, system_zone: None) -> None:
    # 8 March 2026 in New York: midnight is 00:00 EST (05:00 UTC); by noon the offset is EDT.
    # Carrying noon's offset back to midnight would start the day an hour early, at 04:00 UTC.
    late_on_the_7th = (datetime(2026, 3, 8, 4, 30, tzinfo=UTC), 0.70)  # 23:30 EST on 7 March
    early_on_the_8th = (datetime(2026, 3, 8, 5, 30, tzinfo=UTC), 0.20)  # 00:30 EST on 8 March
    noon = datetime(2026, 3, 8, 16, 0, tzinfo=UTC)
    for settings in ({"timezone": "America/New_York"}, {}):
        db = tmp_path / ("named" if settings else "system")
        db.mkdir()
        guard = guard_at(db, noon, [late_on_the_7th, early_on_the_8th], **settings)
        assert guard.spent_today() == pytest.approx(0.20)
