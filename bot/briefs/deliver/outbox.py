"""The delivery outbox: one SQLite row per (run, destination, part), so nothing is sent twice.

The rows live in the same database file as the run ledger, in their own table, created by
this module's own named migrations (recorded in ``delivery_migrations``, not in the
history's ``schema_migrations``, so neither schema mistakes the other's steps for a newer
briefbot's).

A row's life: ``pending`` → ``sending`` (committed *before* the request) → ``accepted``
(committed after the service said yes) or back to ``pending`` (a retry) or ``failed``.
An accepted row is never sent again, by this process, a re-run or a restarted one.

What a crash between the request and the ``accepted`` commit means — the row is found
still ``sending`` — depends on the service, and the next run sends that part again:

* webhook: the same ``webhook-id`` goes out again; Standard Webhooks receivers deduplicate
  on it, so the message is delivered once.
* markdown: the same file is written again atomically: no duplicate is possible.
* slack, discord, telegram: none of them takes an idempotency key, and none can be asked
  "did you get message X" without its id, which only the lost answer carried. The part may
  appear twice. Sending again (at least once) is chosen over skipping (at most once): a
  duplicated paragraph is visible and harmless, a silently missing one is what users of
  other tools complain about. Each such resend is counted in ``crash_resends``.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.briefs.deliver.protocol import Attachment, DeliveryTarget, Part
from bot.store.db import connect, prepare_private_file, translating_errors
from bot.store.migrations import Migration, split_statements

OUTBOX_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "create_delivery_outbox",
        """
        CREATE TABLE IF NOT EXISTS delivery_outbox (
            run_key          TEXT NOT NULL,
            target_key       TEXT NOT NULL,  -- a digest of the destination: no secret
            part             INTEGER NOT NULL CHECK (part >= 0),
            parts            INTEGER NOT NULL CHECK (parts > part),
            kind             TEXT NOT NULL,
            target           TEXT NOT NULL,  -- describe(): secrets masked
            message_id       TEXT NOT NULL,  -- ours, stable across attempts and re-runs
            destination      TEXT NOT NULL,
            body             TEXT NOT NULL,
            attachment_name  TEXT,
            attachment_png   BLOB,
            status           TEXT NOT NULL DEFAULT 'pending'
                             CHECK (status IN ('pending', 'sending', 'accepted', 'failed')),
            attempts         INTEGER NOT NULL DEFAULT 0,
            crash_resends    INTEGER NOT NULL DEFAULT 0,
            remote_id        TEXT,
            error            TEXT,
            created_at       TEXT NOT NULL,
            updated_at       TEXT NOT NULL,
            PRIMARY KEY (run_key, target_key, part)
        );
        """,
    ),
)


@dataclass(frozen=True)
class DeliveryReport:
    """How one destination fared in one run, rebuilt from its outbox rows."""

    target: str  # destination, secrets masked
    kind: str
    status: str  # "delivered" | "failed" | "partial"
    parts: int
    attempts: int
    message_ids: list[str]
    error: str | None


@dataclass(frozen=True)
class OutboxRow:
    run_key: str
    target_key: str
    index: int
    parts: int
    message_id: str
    status: str
    part: Part


def open_outbox(db_path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database and bring the outbox table up to date."""
    with translating_errors(db_path):
        prepare_private_file(db_path)
        conn = connect(db_path)
        try:
            _apply(conn)
        except BaseException:
            conn.close()
            raise
    return conn


def _apply(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS delivery_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    for migration in OUTBOX_MIGRATIONS:
        # BEGIN IMMEDIATE: two processes opening a new file at once apply each step once.
        conn.execute("BEGIN IMMEDIATE")
        try:
            seen = conn.execute("SELECT 1 FROM delivery_migrations WHERE name = ?", (migration.name,)).fetchone()
            if seen is None:
                for statement in split_statements(migration.sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO delivery_migrations (name, applied_at) VALUES (?, ?)",
                    (migration.name, _now()),
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def message_id_for(run_key: str, target_key: str, index: int) -> str:
    digest = hashlib.sha256(f"{run_key}\0{target_key}\0{index}".encode()).hexdigest()
    return f"msg_{digest[:28]}"


class Outbox:
    """The rows of one database; every write is its own short transaction."""

    def __init__(self, conn: sqlite3.Connection, db_path: Path) -> None:
        self.conn = conn
        self.db_path = db_path

    def plan(self, run_key: str, target: DeliveryTarget, parts: list[Part]) -> list[OutboxRow]:
        """Store ``parts`` for this run and target unless a plan is already stored; return the stored one.

        The first plan wins: a re-run of the same run sends the parts of the first, so a part
        numbered (2/3) is never followed by a (3/4) of a document that came out differently.
        """
        key = target.key()
        now = _now()
        with translating_errors(self.db_path):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                exists = self.conn.execute(
                    "SELECT 1 FROM delivery_outbox WHERE run_key = ? AND target_key = ? LIMIT 1", (run_key, key)
                ).fetchone()
                if exists is None:
                    for index, part in enumerate(parts):
                        self.conn.execute(
                            "INSERT INTO delivery_outbox (run_key, target_key, part, parts, kind, target, message_id,"
                            " destination, body, attachment_name, attachment_png, created_at, updated_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (
                                run_key, key, index, len(parts), target.kind, target.describe(),
                                message_id_for(run_key, key, index), part.destination, part.body,
                                part.attachment.filename if part.attachment else None,
                                part.attachment.png if part.attachment else None, now, now,
                            ),
                        )
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
        return self.rows(run_key, key)

    def rows(self, run_key: str, target_key: str) -> list[OutboxRow]:
        with translating_errors(self.db_path):
            found = self.conn.execute(
                "SELECT part, parts, message_id, status, destination, body, attachment_name, attachment_png"
                " FROM delivery_outbox WHERE run_key = ? AND target_key = ? ORDER BY part",
                (run_key, target_key),
            ).fetchall()
        return [
            OutboxRow(
                run_key=run_key, target_key=target_key, index=int(r[0]), parts=int(r[1]), message_id=str(r[2]),
                status=str(r[3]),
                part=Part(
                    body=str(r[5]), destination=str(r[4]),
                    attachment=Attachment(str(r[6]), bytes(r[7])) if r[6] is not None else None,
                ),
            )
            for r in found
        ]

    def mark_sending(self, row: OutboxRow) -> None:
        """Committed before the request goes out; a row found in this state was interrupted."""
        self._update(
            row,
            "status = 'sending', attempts = attempts + 1,"
            " crash_resends = crash_resends + (CASE WHEN status = 'sending' THEN 1 ELSE 0 END)",
        )

    def mark_accepted(self, row: OutboxRow, remote_id: str | None) -> None:
        self._update(row, "status = 'accepted', remote_id = ?, error = NULL", remote_id)

    def mark_retrying(self, row: OutboxRow, error: str) -> None:
        self._update(row, "status = 'pending', error = ?", error)

    def mark_failed(self, row: OutboxRow, error: str) -> None:
        self._update(row, "status = 'failed', error = ?", error)

    def _update(self, row: OutboxRow, assignments: str, *values: object) -> None:
        with translating_errors(self.db_path):
            # Autocommit: each UPDATE is durable on its own before the next step runs.
            self.conn.execute(
                f"UPDATE delivery_outbox SET {assignments}, updated_at = ?"
                " WHERE run_key = ? AND target_key = ? AND part = ? AND status != 'accepted'",
                (*values, _now(), row.run_key, row.target_key, row.index),
            )

    def reports(self, run_key: str) -> list[DeliveryReport]:
        with translating_errors(self.db_path):
            keys = self.conn.execute(
                "SELECT target_key FROM delivery_outbox WHERE run_key = ? GROUP BY target_key ORDER BY MIN(rowid)",
                (run_key,),
            ).fetchall()
        return [self.report(run_key, str(k[0])) for k in keys]

    def report(self, run_key: str, target_key: str) -> DeliveryReport:
        with translating_errors(self.db_path):
            rows = self.conn.execute(
                "SELECT kind, target, parts, status, attempts, remote_id, error FROM delivery_outbox"
                " WHERE run_key = ? AND target_key = ? ORDER BY part",
                (run_key, target_key),
            ).fetchall()
        accepted = [r for r in rows if r[3] == "accepted"]
        if len(accepted) == len(rows):
            status = "delivered"
        else:
            status = "partial" if accepted else "failed"
        errors = [str(r[6]) for r in rows if r[3] != "accepted" and r[6]]
        return DeliveryReport(
            target=str(rows[0][1]),
            kind=str(rows[0][0]),
            status=status,
            parts=int(rows[0][2]),
            attempts=sum(int(r[4]) for r in rows),
            message_ids=[str(r[5]) for r in accepted if r[5]],
            error=errors[-1] if errors else None,
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
