"""Opening the history file privately, and the one place sqlite errors become HistoryError.

Every call into sqlite3 made by the store runs inside :func:`translating_errors`, so a user
never sees ``sqlite3.OperationalError`` but a sentence naming the file and what to do.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.errors import HistoryError
from bot.store.migrations import UnknownMigrationsError

BUSY_TIMEOUT_MS = 5000
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


@contextmanager
def translating_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except HistoryError:
        raise
    except UnknownMigrationsError as exc:
        raise HistoryError(
            f"history database {path} was written by a newer briefbot (unknown migrations: {exc})",
            hint="upgrade briefbot, or set BRIEFBOT_HISTORY_DB to another file",
        ) from exc
    except sqlite3.Error as exc:
        raise _translate(exc, path) from exc
    except OSError as exc:
        raise HistoryError(
            f"cannot prepare history database {path}: {exc.strerror or exc}",
            hint="check that you can write the file and its folder, or set BRIEFBOT_HISTORY_DB to another file",
        ) from exc


def _translate(exc: sqlite3.Error, path: Path) -> HistoryError:
    text = str(exc)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return HistoryError(
            f"history database {path} is locked by another process",
            hint="close other briefbot sessions using it and try again",
        )
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return HistoryError(
            f"history database {path} is damaged or is not a briefbot history file ({text})",
            hint=f"move it aside (mv '{path}' '{path}.bad') and briefbot starts a new one, "
            "or set BRIEFBOT_HISTORY_DB to another file",
        )
    if "readonly" in lowered or "unable to open" in lowered or "permission" in lowered:
        return HistoryError(
            f"cannot open or write history database {path} ({text})",
            hint="check the permissions of the file and its folder, or set BRIEFBOT_HISTORY_DB to another file",
        )
    if "disk is full" in lowered or "disk i/o" in lowered:
        return HistoryError(
            f"cannot write history database {path}: {text}",
            hint="free some disk space and try again",
        )
    if isinstance(exc, sqlite3.ProgrammingError) and "closed" in lowered:
        return HistoryError(f"history database {path} was already closed", hint="this is a bug in briefbot")
    return HistoryError(
        f"history database {path}: {type(exc).__name__}: {text}",
        hint="run again with --debug for details",
    )


def prepare_private_file(path: Path) -> None:
    """Create missing parent folders as 0700 and the file as 0600, before sqlite touches it.

    sqlite would create the file with the process umask (usually 0644): conversations are
    private, so the file exists with the right mode first. sqlite gives its -wal and -shm
    files the main file's mode. An existing file that others can read is tightened.
    """
    missing: list[Path] = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for folder in reversed(missing):
        # exist_ok: a second briefbot starting on the same fresh HOME may create it first
        # (it did, 4 times in 150 concurrent first runs: "File exists", exit 50).
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        folder.chmod(PRIVATE_DIR)  # mkdir's mode is filtered by the umask
    fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & 0o077:
            os.fchmod(fd, mode & ~0o077)
    finally:
        os.close(fd)


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode; the store opens its own transactions explicitly."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        # WAL lets a reader (`briefbot history list`) run while a chat writes. A filesystem
        # without shared memory refuses it and sqlite keeps its rollback journal: still correct.
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        # A streamed answer is committed piece by piece (bot.chat.draft). In WAL mode NORMAL
        # skips the fsync per commit yet loses nothing when the process is killed; only a
        # power cut can drop the last commits. FULL would cost a disk flush per token.
        conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def refuse_foreign_database(path: Path, first_migration: str) -> None:
    """Refuse a SQLite file another program made, before briefbot touches it at all (no table
    added, no WAL switch, no permission change): it is read through a read-only connection.

    Ours is empty (new) or records our first migration in ``schema_migrations``; anything
    else with tables in it (a browser's history, a Rails app's schema_migrations) is not.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        _refuse_foreign(conn, path, first_migration)
    finally:
        conn.close()


def _refuse_foreign(conn: sqlite3.Connection, path: Path, first_migration: str) -> None:
    tables = sorted(
        str(row[0])
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    )
    if not tables:
        return
    if "schema_migrations" in tables:
        columns = {str(row[1]) for row in conn.execute("PRAGMA table_info(schema_migrations)")}
        if {"name", "applied_at"} <= columns and conn.execute(
            "SELECT 1 FROM schema_migrations WHERE name = ?", (first_migration,)
        ).fetchone():
            return
    shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
    raise HistoryError(
        f"{path} is another program's SQLite database (tables: {shown}), not a briefbot history file; "
        "nothing was changed in it",
        hint="set BRIEFBOT_HISTORY_DB to a new file name (briefbot creates it), or unset it to use the default",
    )
