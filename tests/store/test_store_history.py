from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.errors import ConversationNotFoundError, HistoryError
from bot.store import HistoryStore, TurnUsage


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_messages_come_back_in_order_with_their_fields(store: HistoryStore) -> None:
    cid = store.create_conversation(model="gpt-4o-mini", persona="analyst", title="FX")
    store.add_message(cid, "system", "be brief")
    store.add_message(cid, "user", "원달러 환율?")
    store.record_turn(
        cid, content="1,380원", status="complete", model="gpt-4o-mini", backend="openai",
        usage=TurnUsage(100, 20, estimated=False, cost_usd=0.0001),
    )
    store.add_message(cid, "user", "and now?")
    store.record_turn(
        cid, content="partial", status="incomplete", model="gpt-4o", backend="openai", usage=None,
    )
    messages = store.messages(cid)
    assert [(m.seq, m.role, m.content, m.status, m.model) for m in messages] == [
        (1, "system", "be brief", "complete", None),
        (2, "user", "원달러 환율?", "complete", None),
        (3, "assistant", "1,380원", "complete", "gpt-4o-mini"),
        (4, "user", "and now?", "complete", None),
        (5, "assistant", "partial", "incomplete", "gpt-4o"),
    ]
    assert all(m.conversation_id == cid for m in messages)
    assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)
    assert messages[0].created_at.tzinfo is not None
    assert messages[0].created_at.utcoffset() == timedelta(0)  # stored and returned in UTC

    info = store.conversation(cid)
    assert (info.title, info.model, info.persona, info.message_count) == ("FX", "gpt-4o-mini", "analyst", 5)
    assert info.updated_at == messages[-1].created_at
    assert info.preview == "원달러 환율?"


def test_the_users_message_is_on_disk_before_any_reply(store: HistoryStore, db_path: Path) -> None:
    cid = store.create_conversation(model="m", persona=None)
    store.add_message(cid, "user", "question")
    # Another connection (another process, a crash-and-restart) sees it at once.
    with sqlite3.connect(db_path) as other:
        assert other.execute("SELECT content FROM messages").fetchall() == [("question",)]


def test_record_turn_writes_message_and_usage_together(store: HistoryStore, db_path: Path) -> None:
    cid = store.create_conversation(model="m", persona=None)
    store.add_message(cid, "user", "q")
    mid = store.record_turn(
        cid, content="a", status="complete", model="m", backend="local",
        usage=TurnUsage(7, 3, estimated=True, cost_usd=0.0), kind="chat",
    )
    with sqlite3.connect(db_path) as conn:
        row = conn.execute(
            "SELECT conversation_id, message_id, backend, model, prompt_tokens, completion_tokens,"
            " estimated, cost_usd, kind FROM usage"
        ).fetchone()
    assert row == (cid, mid, "local", "m", 7, 3, 1, 0.0, "chat")


def test_record_turn_is_atomic_when_the_usage_insert_fails(store: HistoryStore, db_path: Path) -> None:
    cid = store.create_conversation(model="m", persona=None)
    store.add_message(cid, "user", "q")
    updated_before = store.conversation(cid).updated_at
    # A real failure inside the second insert of the transaction.
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TRIGGER usage_fails BEFORE INSERT ON usage BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    with pytest.raises(HistoryError, match="disk on fire") as caught:
        store.record_turn(
            cid, content="answer", status="complete", model="m", backend="openai",
            usage=TurnUsage(1, 1, cost_usd=0.01),
        )
    assert isinstance(caught.value.__cause__, sqlite3.IntegrityError)
    assert [m.role for m in store.messages(cid)] == ["user"]  # no orphan assistant message
    assert _count(db_path, "usage") == 0
    assert store.conversation(cid).updated_at == updated_before
    # The store is still usable after the rollback.
    with sqlite3.connect(db_path) as conn:
        conn.execute("DROP TRIGGER usage_fails")
    store.record_turn(cid, content="answer", status="complete", model="m", backend="openai", usage=TurnUsage(1, 1))
    assert [m.role for m in store.messages(cid)] == ["user", "assistant"]
    assert _count(db_path, "usage") == 1


def test_record_turn_is_atomic_when_the_schema_rejects_the_usage(store: HistoryStore, db_path: Path) -> None:
    cid = store.create_conversation(model="m", persona=None)
    bad = TurnUsage(1, 1)
    object.__setattr__(bad, "prompt_tokens", -5)  # slips past TurnUsage's own check: the schema's CHECK must hold
    with pytest.raises(HistoryError, match="CHECK constraint"):
        store.record_turn(cid, content="a", status="complete", model="m", backend="openai", usage=bad)
    assert store.messages(cid) == []
    assert _count(db_path, "usage") == 0


def test_bad_role_or_status_is_a_programming_error(store: HistoryStore) -> None:
    cid = store.create_conversation(model="m", persona=None)
    with pytest.raises(ValueError, match="role"):
        store.add_message(cid, "robot", "x")
    with pytest.raises(ValueError, match="status"):
        store.add_message(cid, "user", "x", status="done")
    assert store.messages(cid) == []


def test_turn_usage_rejects_negative_numbers() -> None:
    with pytest.raises(ValueError):
        TurnUsage(-1, 0)
    with pytest.raises(ValueError):
        TurnUsage(0, 0, cost_usd=-0.5)


def test_deleting_a_conversation_removes_its_messages_but_keeps_spend(store: HistoryStore, db_path: Path) -> None:
    keep = store.create_conversation(model="m", persona=None)
    store.add_message(keep, "user", "keep me")
    gone = store.create_conversation(model="m", persona=None)
    store.add_message(gone, "user", "q")
    store.record_turn(gone, content="a", status="complete", model="m", backend="openai", usage=TurnUsage(5, 5, cost_usd=0.25))
    store.delete_conversation(gone)

    assert [c.id for c in store.conversations()] == [keep]
    assert [m.content for m in store.messages(keep)] == ["keep me"]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM messages WHERE conversation_id = ?", (gone,)).fetchone()[0] == 0
        # The money was spent: the ledger row stays, detached from the deleted chat.
        assert conn.execute("SELECT conversation_id, message_id, cost_usd FROM usage").fetchall() == [(None, None, 0.25)]
    with pytest.raises(ConversationNotFoundError):
        store.messages(gone)


def test_delete_last_exchange_removes_the_last_user_message_and_after(store: HistoryStore) -> None:
    cid = store.create_conversation(model="m", persona=None)
    store.add_message(cid, "system", "s")
    store.add_message(cid, "user", "one")
    store.record_turn(cid, content="ans one", status="complete", model="m", backend="local", usage=None)
    store.add_message(cid, "user", "two")
    store.add_message(cid, "tool", "tool output")
    store.record_turn(cid, content="ans two", status="error", model="m", backend="local", usage=None, error="boom")

    assert store.delete_last_exchange(cid) == 3
    assert [m.content for m in store.messages(cid)] == ["s", "one", "ans one"]
    assert store.delete_last_exchange(cid) == 2
    assert [m.content for m in store.messages(cid)] == ["s"]
    assert store.delete_last_exchange(cid) == 0  # only a system message left: nothing to undo
    # seq keeps growing after an undo, without colliding.
    store.add_message(cid, "user", "three")
    assert [m.seq for m in store.messages(cid)] == [1, 2]


def test_unknown_ids_raise_not_found_with_a_helpful_message(store: HistoryStore) -> None:
    calls: list[Callable[[], object]] = [
        lambda: store.conversation(42),
        lambda: store.messages(42),
        lambda: store.delete_conversation(42),
        lambda: store.delete_last_exchange(42),
        lambda: store.set_title(42, "x"),
        lambda: store.add_message(42, "user", "x"),
        lambda: store.record_turn(42, content="x", status="complete", model="m", backend="local", usage=None),
        lambda: store.record_usage(backend="local", model="m", usage=TurnUsage(1, 1), kind="ask", conversation_id=42),
    ]
    for call in calls:
        with pytest.raises(ConversationNotFoundError) as caught:
            call()
        assert "no conversation with id 42" in str(caught.value)
        assert "briefbot history list" in str(caught.value)
        assert caught.value.exit_code == 51


def test_conversations_newest_first_with_limit_and_last_id(store: HistoryStore) -> None:
    assert store.last_conversation_id() is None
    assert store.conversations() == []
    first = store.create_conversation(model="m", persona=None)
    second = store.create_conversation(model="m", persona=None)
    third = store.create_conversation(model="m", persona=None)
    assert [c.id for c in store.conversations()] == [third, second, first]
    assert store.last_conversation_id() == third
    store.add_message(first, "user", "back to the first one")  # activity makes it the latest
    assert [c.id for c in store.conversations(limit=2)] == [first, third]
    assert store.last_conversation_id() == first
    assert len(store.conversations(limit=None)) == 3


def test_set_title(store: HistoryStore) -> None:
    cid = store.create_conversation(model="m", persona=None)
    assert store.conversation(cid).title is None
    store.set_title(cid, "Seoul weather")
    assert store.conversation(cid).title == "Seoul weather"


def test_closed_store_reports_a_history_error(db_path: Path) -> None:
    store = HistoryStore.open(db_path)
    store.close()
    with pytest.raises(HistoryError, match="closed"):
        store.conversations()
