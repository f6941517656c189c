from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

from bot.store import HistoryStore, TurnUsage, UsageRow

if TYPE_CHECKING:
    from conftest import FakeClock


def _fill(store: HistoryStore, clock: FakeClock) -> None:
    """Two UTC days: day 1 on gpt-4o-mini (priced) and a local model; day 2 adds an unknown price."""
    clock.now = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    cid = store.create_conversation(model="gpt-4o-mini", persona=None)
    store.add_message(cid, "user", "q")
    store.record_turn(cid, content="a", status="complete", model="gpt-4o-mini", backend="openai",
                      usage=TurnUsage(100, 50, cost_usd=0.25))
    store.record_usage(backend="local", model="gemma-3-270m", usage=TurnUsage(10, 5, estimated=True, cost_usd=0.0), kind="ask")
    clock.now = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # past midnight UTC
    store.record_usage(backend="openai", model="gpt-4o-mini", usage=TurnUsage(200, 100, cost_usd=0.5), kind="brief")
    store.record_usage(backend="openai", model="my-finetune", usage=TurnUsage(30, 20, cost_usd=None), kind="ask")
    store.record_usage(backend="openai", model="my-finetune", usage=TurnUsage(1, 2, estimated=True, cost_usd=None), kind="ask",
                       conversation_id=cid)


def test_usage_by_day(store: HistoryStore, clock: FakeClock) -> None:
    _fill(store, clock)
    assert store.usage_summary(by="day") == [
        UsageRow("2026-03-01", calls=2, prompt_tokens=110, completion_tokens=55, cost_usd=0.25,
                 unknown_cost_calls=0, estimated_calls=1),
        UsageRow("2026-03-02", calls=3, prompt_tokens=231, completion_tokens=122, cost_usd=0.5,
                 unknown_cost_calls=2, estimated_calls=1),
    ]


def test_usage_by_model_keeps_unknown_costs_apart(store: HistoryStore, clock: FakeClock) -> None:
    _fill(store, clock)
    rows = {r.key: r for r in store.usage_summary(by="model")}
    assert list(rows) == ["gemma-3-270m", "gpt-4o-mini", "my-finetune"]
    assert rows["gpt-4o-mini"].cost_usd == pytest.approx(0.75)
    assert (rows["gpt-4o-mini"].calls, rows["gpt-4o-mini"].unknown_cost_calls) == (2, 0)
    assert rows["gemma-3-270m"].cost_usd == 0.0  # free, which is known: not "unknown"
    assert rows["my-finetune"].cost_usd is None  # nothing known: None, never a fake 0
    assert (rows["my-finetune"].calls, rows["my-finetune"].unknown_cost_calls) == (2, 2)


def test_usage_since_filters_by_time(store: HistoryStore, clock: FakeClock) -> None:
    _fill(store, clock)
    since = datetime(2026, 3, 2, tzinfo=UTC)
    assert [r.key for r in store.usage_summary(by="day", since=since)] == ["2026-03-02"]
    # The same instant given in KST (UTC+9) selects the same calls.
    kst = since.astimezone(timezone(timedelta(hours=9)))
    assert store.usage_summary(by="model", since=kst) == store.usage_summary(by="model", since=since)


def test_spent_since_sums_known_costs_only(store: HistoryStore, clock: FakeClock) -> None:
    assert store.spent_since(datetime(2000, 1, 1, tzinfo=UTC)) == 0.0
    _fill(store, clock)
    assert store.spent_since(datetime(2026, 3, 1, tzinfo=UTC)) == pytest.approx(0.75)
    assert store.spent_since(datetime(2026, 3, 2, tzinfo=UTC)) == pytest.approx(0.5)
    assert store.spent_since(datetime(2026, 3, 3, tzinfo=UTC)) == 0.0
    # A naive datetime means UTC, like every stored timestamp.
    assert store.spent_since(datetime(2026, 3, 2)) == pytest.approx(0.5)


def test_usage_summary_rejects_unknown_grouping(store: HistoryStore) -> None:
    with pytest.raises(ValueError, match="day"):
        store.usage_summary(by="week")  # type: ignore[arg-type]


def test_usage_by_local_day_puts_a_seoul_morning_on_its_own_date(store: HistoryStore, clock: FakeClock) -> None:
    from bot.localtime import DisplayZone

    _fill(store, clock)
    # 23:00 UTC on 1 March is 08:00 on 2 March in Seoul: every call of the fill is on 2 March there.
    [row] = store.usage_summary(by="day", day_of=DisplayZone.named("Asia/Seoul").day)
    assert (row.key, row.calls) == ("2026-03-02", 5)
