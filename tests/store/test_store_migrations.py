from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from bot.errors import HistoryError
from bot.store import MIGRATIONS, HistoryStore, Migration
from bot.store.migrations import apply_migrations, split_statements


def _recorded(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY rowid")]


def test_migrations_are_applied_once_and_recorded_by_name(db_path: Path) -> None:
    HistoryStore.open(db_path).close()
    assert _recorded(db_path) == [m.name for m in MIGRATIONS]
    assert len(MIGRATIONS) >= 2 and len({m.name for m in MIGRATIONS}) == len(MIGRATIONS)


def test_reopening_applies_nothing_and_keeps_data(db_path: Path) -> None:
    with HistoryStore.open(db_path) as store:
        cid = store.create_conversation(model="m", persona=None)
        store.add_message(cid, "user", "hello")
    with sqlite3.connect(db_path) as conn:
        before = conn.execute("SELECT name, applied_at FROM schema_migrations").fetchall()
    with HistoryStore.open(db_path) as store:
        assert [m.content for m in store.messages(cid)] == ["hello"]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT name, applied_at FROM schema_migrations").fetchall() == before
        assert apply_migrations(sqlite3.connect(db_path, isolation_level=None)) == []


def test_a_new_migration_is_applied_on_top_of_an_old_database(db_path: Path) -> None:
    HistoryStore.open(db_path).close()
    extra = Migration("add_conversation_pinned", "ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;")
    conn = sqlite3.connect(db_path, isolation_level=None)
    assert apply_migrations(conn, (*MIGRATIONS, extra)) == ["add_conversation_pinned"]
    assert "pinned" in [r[1] for r in conn.execute("PRAGMA table_info(conversations)")]
    conn.close()
    assert _recorded(db_path)[-1] == "add_conversation_pinned"


def test_a_failing_migration_leaves_no_trace(db_path: Path) -> None:
    HistoryStore.open(db_path).close()
    broken = Migration("half_done", "CREATE TABLE t1 (x INTEGER); CREATE TABLE conversations (y INTEGER);")
    conn = sqlite3.connect(db_path, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        apply_migrations(conn, (*MIGRATIONS, broken))
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert "t1" not in tables  # the first statement was rolled back with the second
    assert "half_done" not in _recorded(db_path)


def test_a_database_from_a_newer_briefbot_is_refused_clearly(db_path: Path) -> None:
    HistoryStore.open(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES ('from_the_future', '2030-01-01')")
    with pytest.raises(HistoryError, match="newer briefbot.*from_the_future"):
        HistoryStore.open(db_path)


def test_split_statements_respects_literals_and_comments() -> None:
    sql = "INSERT INTO t VALUES ('a;b'); -- note; here\nSELECT 1;\n-- trailing comment\n"
    assert split_statements(sql) == ["INSERT INTO t VALUES ('a;b');", "-- note; here\nSELECT 1;"]


def test_wal_foreign_keys_and_busy_timeout_are_on(store: HistoryStore) -> None:
    assert store.journal_mode == "wal"
    conn = store._conn
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_file_is_private_and_new_folders_are_0700(db_path: Path) -> None:
    HistoryStore.open(db_path).close()
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(db_path.parent.parent.stat().st_mode) == 0o700


def test_an_existing_world_readable_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    path.touch()
    path.chmod(0o644)
    HistoryStore.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
