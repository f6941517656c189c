"""BRIEFBOT_HISTORY_DB pointed at another program's SQLite file: refused, the file untouched."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from bot.errors import HistoryError
from bot.store import HistoryStore
from tests.conftest import RunCli, scratch_env


def _foreign_db(path: Path) -> str:
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);"
                       "INSERT INTO moz_places (url) VALUES ('https://example.org');"
                       "CREATE TABLE schema_migrations (version TEXT PRIMARY KEY);")
    conn.commit()
    conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "places.sqlite"
    before = _foreign_db(path)
    with pytest.raises(HistoryError) as caught:
        HistoryStore.open(path)
    assert caught.value.exit_code == 50
    assert "is another program's SQLite database (tables: moz_places, schema_migrations)" in caught.value.message
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not Path(f"{path}-wal").exists()


def test_our_own_database_and_an_empty_file_still_open(tmp_path: Path) -> None:
    ours = tmp_path / "history.sqlite3"
    HistoryStore.open(ours).close()
    HistoryStore.open(ours).close()  # reopened: recognised as ours
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    HistoryStore.open(empty).close()


def test_the_cli_says_so_with_exit_50(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "other.sqlite"
    before = _foreign_db(path)
    result = run_cli(scratch_env(tmp_path, BRIEFBOT_HISTORY_DB=str(path)), "history", "list")
    assert result.returncode == 50, result.stderr
    assert "not a briefbot history file; nothing was changed in it" in result.stderr
    assert "Traceback" not in result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
