from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from bot.errors import HistoryError
from bot.store import HistoryStore


def test_a_file_that_is_not_a_database_gives_a_clear_history_error(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is a text file, not SQLite\n" * 100)
    with pytest.raises(HistoryError) as caught:
        HistoryStore.open(path)
    message = str(caught.value)
    assert str(path) in message
    assert "not a briefbot history file" in message
    assert "move it aside" in message and "BRIEFBOT_HISTORY_DB" in message
    assert isinstance(caught.value.__cause__, sqlite3.DatabaseError)
    assert caught.value.exit_code == 50
    assert path.read_bytes().startswith(b"this is a text file")  # the user's file is left alone


def test_a_locked_database_says_so(db_path: Path) -> None:
    with HistoryStore.open(db_path) as store:
        cid = store.create_conversation(model="m", persona=None)
        holder = sqlite3.connect(db_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process is mid-write
        try:
            store._conn.execute("PRAGMA busy_timeout = 100")  # fail fast instead of waiting 5 s
            with pytest.raises(HistoryError, match="locked by another process") as caught:
                store.add_message(cid, "user", "hello")
            assert str(db_path) in str(caught.value)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        store.add_message(cid, "user", "hello")  # and works once the lock is gone
        assert len(store.messages(cid)) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_an_unwritable_folder_gives_a_history_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(HistoryError, match="cannot prepare history database") as caught:
            HistoryStore.open(locked / "sub" / "history.sqlite3")
        assert "can write the file and its folder" in str(caught.value)
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_file_gives_a_history_error(db_path: Path) -> None:
    HistoryStore.open(db_path).close()
    for leftover in db_path.parent.glob("*-*"):  # -wal/-shm are gone after a clean close
        leftover.unlink()
    db_path.chmod(0o400)
    try:
        with pytest.raises(HistoryError) as caught:
            with HistoryStore.open(db_path) as store:
                store.create_conversation(model="m", persona=None)
        assert str(db_path) in str(caught.value)
    finally:
        db_path.chmod(0o600)
