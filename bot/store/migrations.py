"""The history schema as data: ordered, named migrations, each applied once.

A migration is a ``(name, sql)`` pair. The name, not the position, is what
``schema_migrations`` records, so a database says exactly which steps it has seen and a
newer briefbot only runs the ones that are missing. Never edit or reorder a released
migration: append a new one.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import NamedTuple


class Migration(NamedTuple):
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "create_conversations_and_messages",
        """
        CREATE TABLE conversations (
            id          INTEGER PRIMARY KEY,
            title       TEXT,
            model       TEXT NOT NULL,
            persona     TEXT,
            created_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
        CREATE INDEX conversations_by_updated ON conversations (updated_at);

        CREATE TABLE messages (
            id               INTEGER PRIMARY KEY,
            conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            seq              INTEGER NOT NULL,
            role             TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
            content          TEXT NOT NULL,
            status           TEXT NOT NULL DEFAULT 'complete'
                             CHECK (status IN ('complete', 'incomplete', 'error')),
            model            TEXT,
            created_at       TEXT NOT NULL,
            error            TEXT,
            UNIQUE (conversation_id, seq)
        );
        """,
    ),
    Migration(
        "create_usage_ledger",
        # The ledger outlives the conversations it came from (SET NULL, not CASCADE): money
        # spent stays spent when a user deletes a chat, and the per-day budget must see it.
        """
        CREATE TABLE usage (
            id                 INTEGER PRIMARY KEY,
            conversation_id    INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
            message_id         INTEGER REFERENCES messages (id) ON DELETE SET NULL,
            created_at         TEXT NOT NULL,
            backend            TEXT NOT NULL,
            model              TEXT NOT NULL,
            prompt_tokens      INTEGER NOT NULL CHECK (prompt_tokens >= 0),
            completion_tokens  INTEGER NOT NULL CHECK (completion_tokens >= 0),
            estimated          INTEGER NOT NULL CHECK (estimated IN (0, 1)),
            cost_usd           REAL CHECK (cost_usd IS NULL OR cost_usd >= 0),
            kind               TEXT NOT NULL
        );
        CREATE INDEX usage_by_created ON usage (created_at);
        -- Deleting a message or conversation looks up its usage rows to null them out.
        CREATE INDEX usage_by_message ON usage (message_id);
        CREATE INDEX usage_by_conversation ON usage (conversation_id);
        """,
    ),
    Migration(
        "record_answer_provenance",
        # What an answer used, kept with it: the persona in effect when it was written (a
        # conversation can switch persona midway), the sources it was given (a JSON list of
        # the packer's SourceRef.to_json(): subject, source, as-of, figures) and whether the
        # user cancelled it (Ctrl-C), which a cut stream or a failed call is not.
        """
        ALTER TABLE messages ADD COLUMN persona TEXT;
        ALTER TABLE messages ADD COLUMN sources TEXT;
        ALTER TABLE messages ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1));
        """,
    ),
)


class UnknownMigrationsError(Exception):
    """The database records migrations this briefbot does not know: it is from a newer version."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


def split_statements(sql: str) -> list[str]:
    """Split a script into statements, so they can run inside our own transaction.

    ``executescript`` would commit any open transaction first, which defeats the point.
    ``sqlite3.complete_statement`` keeps semicolons inside literals from splitting early.
    """
    statements: list[str] = []
    pending = ""
    for piece in sql.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if _strip_comments(pending).strip(" \n\t;"):
                statements.append(pending.strip())
            pending = ""
    return statements


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def applied_migrations(conn: sqlite3.Connection, table: str = "schema_migrations") -> list[str]:
    rows = conn.execute(f"SELECT name FROM {table} ORDER BY rowid").fetchall()
    return [str(row[0]) for row in rows]


def apply_migrations(
    conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS, *, table: str = "schema_migrations"
) -> list[str]:
    """Apply the missing migrations in order; return the names applied now.

    ``conn`` must be in autocommit mode (``isolation_level=None``). Each migration runs in
    its own ``BEGIN IMMEDIATE`` transaction together with its ``schema_migrations`` row, so
    a failure leaves the database at the previous step, and two processes opening a new
    file at once cannot both apply the same step (the second waits, then sees it done).
    ``table`` lets several owners share one file (the brief ledger and the delivery outbox
    in briefs.db), each with its own list, so neither mistakes the other's for a newer version.
    """
    conn.execute(f"CREATE TABLE IF NOT EXISTS {table} (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    known = {m.name for m in migrations}
    unknown = [name for name in applied_migrations(conn, table) if name not in known]
    if unknown:
        raise UnknownMigrationsError(unknown)

    done: list[str] = []
    for migration in migrations:
        conn.execute("BEGIN IMMEDIATE")
        try:
            seen = conn.execute(
                f"SELECT 1 FROM {table} WHERE name = ?", (migration.name,)
            ).fetchone()
            if seen is None:
                for statement in split_statements(migration.sql):
                    conn.execute(statement)
                conn.execute(
                    f"INSERT INTO {table} (name, applied_at) VALUES (?, ?)",
                    (migration.name, datetime.now(UTC).isoformat()),
                )
                done.append(migration.name)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return done
