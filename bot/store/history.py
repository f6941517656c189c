"""HistoryStore: conversations, messages and the usage ledger in one private SQLite file.

One connection per store object, in autocommit mode: every write method is its own
``BEGIN IMMEDIATE`` transaction, so each call is committed when it returns (the user's
message is on disk before the request leaves) and a turn is all-or-nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from bot.errors import ConversationNotFoundError
from bot.store.db import connect, prepare_private_file, refuse_foreign_database, translating_errors
from bot.store.migrations import MIGRATIONS, apply_migrations
from bot.store.records import ROLES, STATUSES, ConversationInfo, StoredMessage, TurnUsage, UsageRow

Clock = Callable[[], datetime]
Scrub = Callable[[str], str]
PREVIEW_CHARS = 60


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _unchanged(text: str) -> str:
    return text


def _stamp(moment: datetime) -> str:
    # One fixed format (microseconds, +00:00) so that text order is time order in SQL.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # naive means UTC, like everything stored
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


class HistoryStore:
    def __init__(
        self, conn: sqlite3.Connection, path: Path, *, clock: Clock = _utc_now, scrub: Scrub = _unchanged
    ) -> None:
        """Use :meth:`open`; this takes an already prepared connection."""
        self._conn = conn
        self.path = path
        self._clock = clock
        self._scrub = scrub

    @classmethod
    def open(cls, path: Path, *, clock: Clock = _utc_now, scrub: Scrub = _unchanged) -> HistoryStore:
        """Open (creating if needed) the history file at ``path`` and bring its schema up to date.

        ``scrub`` is applied to every text written (message content, error, title): the CLI
        passes its redactor, so a key pasted into a chat or echoed by a model never reaches disk.
        """
        path = Path(path).expanduser()
        with translating_errors(path):
            refuse_foreign_database(path, MIGRATIONS[0].name)
            prepare_private_file(path)
            conn = connect(path)
            try:
                apply_migrations(conn)
            except BaseException:
                conn.close()
                raise
        return cls(conn, path, clock=clock, scrub=scrub)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def journal_mode(self) -> str:
        with translating_errors(self.path):
            return str(self._conn.execute("PRAGMA journal_mode").fetchone()[0])

    # --- plumbing ------------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with translating_errors(self.path):
            yield self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with translating_errors(self.path):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _now(self) -> str:
        return _stamp(self._clock())

    def _require(self, conn: sqlite3.Connection, conversation_id: int) -> None:
        if conn.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is None:
            raise ConversationNotFoundError(
                f"no conversation with id {conversation_id} in {self.path}",
                hint="`briefbot history list` shows the stored conversations and their ids",
            )

    def _insert_message(
        self,
        conn: sqlite3.Connection,
        conversation_id: int,
        role: str,
        content: str,
        *,
        status: str,
        model: str | None,
        error: str | None,
    ) -> int:
        # Checked here too (the schema also does) so a caller's typo reads as one, not as a
        # database problem.
        if role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}, not {role!r}")
        if status not in STATUSES:
            raise ValueError(f"status must be one of {sorted(STATUSES)}, not {status!r}")
        self._require(conn, conversation_id)
        now = self._now()
        (seq,) = conn.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        cursor = conn.execute(
            "INSERT INTO messages (conversation_id, seq, role, content, status, model, created_at, error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, seq, role, self._scrub(content), status, model, now, error and self._scrub(error)),
        )
        conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _insert_usage(
        self,
        conn: sqlite3.Connection,
        *,
        backend: str,
        model: str,
        usage: TurnUsage,
        kind: str,
        conversation_id: int | None,
        message_id: int | None,
    ) -> None:
        conn.execute(
            "INSERT INTO usage (conversation_id, message_id, created_at, backend, model,"
            " prompt_tokens, completion_tokens, estimated, cost_usd, kind)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                conversation_id,
                message_id,
                self._now(),
                backend,
                model,
                usage.prompt_tokens,
                usage.completion_tokens,
                int(usage.estimated),
                usage.cost_usd,
                kind,
            ),
        )

    # --- conversations -------------------------------------------------------------------
    def create_conversation(self, *, model: str, persona: str | None, title: str | None = None) -> int:
        with self._write() as conn:
            now = self._now()
            cursor = conn.execute(
                "INSERT INTO conversations (title, model, persona, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (title, model, persona, now, now),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def conversation(self, conversation_id: int) -> ConversationInfo:
        with self._read() as conn:
            self._require(conn, conversation_id)
            row = conn.execute(_CONVERSATION_SELECT + " WHERE c.id = ?", (conversation_id,)).fetchone()
        return _conversation_info(row)

    def conversations(self, limit: int | None = 20) -> list[ConversationInfo]:
        """Most recently updated first; ``limit=None`` returns them all."""
        with self._read() as conn:
            rows = conn.execute(
                _CONVERSATION_SELECT + " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?",
                (-1 if limit is None else limit,),
            ).fetchall()
        return [_conversation_info(row) for row in rows]

    def last_conversation_id(self) -> int | None:
        with self._read() as conn:
            row = conn.execute("SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 1").fetchone()
        return None if row is None else int(row[0])

    def set_title(self, conversation_id: int, title: str | None) -> None:
        with self._write() as conn:
            self._require(conn, conversation_id)
            title = self._scrub(title) if title else title
            conn.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    def delete_conversation(self, conversation_id: int) -> None:
        """Remove a conversation and its messages; its usage rows stay in the ledger."""
        with self._write() as conn:
            self._require(conn, conversation_id)
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # --- messages ------------------------------------------------------------------------
    def add_message(
        self,
        conversation_id: int,
        role: str,
        content: str,
        *,
        status: str = "complete",
        model: str | None = None,
        error: str | None = None,
    ) -> int:
        with self._write() as conn:
            return self._insert_message(
                conn, conversation_id, role, content, status=status, model=model, error=error
            )

    def record_turn(
        self,
        conversation_id: int,
        *,
        content: str,
        status: str,
        model: str,
        backend: str,
        usage: TurnUsage | None,
        kind: str = "chat",
        error: str | None = None,
    ) -> int:
        """Store the assistant's reply and its usage together: both are written or neither."""
        with self._write() as conn:
            message_id = self._insert_message(
                conn, conversation_id, "assistant", content, status=status, model=model, error=error
            )
            if usage is not None:
                self._insert_usage(
                    conn,
                    backend=backend,
                    model=model,
                    usage=usage,
                    kind=kind,
                    conversation_id=conversation_id,
                    message_id=message_id,
                )
            return message_id

    def messages(self, conversation_id: int) -> list[StoredMessage]:
        with self._read() as conn:
            self._require(conn, conversation_id)
            rows = conn.execute(
                "SELECT id, conversation_id, seq, role, content, status, model, created_at, error"
                " FROM messages WHERE conversation_id = ? ORDER BY seq",
                (conversation_id,),
            ).fetchall()
        return [
            StoredMessage(
                id=r[0], conversation_id=r[1], seq=r[2], role=r[3], content=r[4],
                status=r[5], model=r[6], created_at=_parse(r[7]), error=r[8],
            )
            for r in rows
        ]

    def delete_last_exchange(self, conversation_id: int) -> int:
        """For /undo: remove the last user message and everything after it; return the count."""
        with self._write() as conn:
            self._require(conn, conversation_id)
            row = conn.execute(
                "SELECT MAX(seq) FROM messages WHERE conversation_id = ? AND role = 'user'", (conversation_id,)
            ).fetchone()
            if row[0] is None:
                return 0
            cursor = conn.execute(
                "DELETE FROM messages WHERE conversation_id = ? AND seq >= ?", (conversation_id, row[0])
            )
            conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (self._now(), conversation_id))
            return cursor.rowcount

    # --- usage ledger --------------------------------------------------------------------
    def record_usage(
        self,
        *,
        backend: str,
        model: str,
        usage: TurnUsage,
        kind: str,
        conversation_id: int | None = None,
    ) -> None:
        """Ledger entry for a call that is not stored as a conversation turn (ask, briefs)."""
        with self._write() as conn:
            if conversation_id is not None:
                self._require(conn, conversation_id)
            self._insert_usage(
                conn, backend=backend, model=model, usage=usage, kind=kind,
                conversation_id=conversation_id, message_id=None,
            )

    def usage_summary(
        self, *, by: Literal["day", "model"], since: datetime | None = None
    ) -> list[UsageRow]:
        """Totals per UTC day (oldest first) or per model (by name), optionally from ``since``."""
        key = {"day": "substr(created_at, 1, 10)", "model": "model"}.get(by)
        if key is None:
            raise ValueError(f"by must be 'day' or 'model', not {by!r}")
        sql = (
            f"SELECT {key} AS k, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens),"
            " SUM(cost_usd), SUM(cost_usd IS NULL), SUM(estimated)"
            " FROM usage WHERE created_at >= ? GROUP BY k ORDER BY k"
        )
        with self._read() as conn:
            rows = conn.execute(sql, (_stamp(since) if since else "",)).fetchall()
        return [
            UsageRow(
                key=str(r[0]), calls=r[1], prompt_tokens=r[2], completion_tokens=r[3],
                cost_usd=None if r[4] is None else float(r[4]), unknown_cost_calls=r[5], estimated_calls=r[6],
            )
            for r in rows
        ]

    def spent_since(self, since: datetime) -> float:
        """Known spend (USD) from ``since`` on, for the per-day budget; unknown costs add nothing."""
        with self._read() as conn:
            (total,) = conn.execute(
                "SELECT COALESCE(SUM(cost_usd), 0.0) FROM usage WHERE created_at >= ?", (_stamp(since),)
            ).fetchone()
        return float(total)


_CONVERSATION_SELECT = """
    SELECT c.id, c.title, c.model, c.persona, c.created_at, c.updated_at,
           (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id),
           (SELECT substr(m.content, 1, 200) FROM messages m
             WHERE m.conversation_id = c.id AND m.role = 'user' ORDER BY m.seq LIMIT 1)
    FROM conversations c"""


def _conversation_info(row: Any) -> ConversationInfo:  # a sqlite3 row: untyped by nature
    preview: str | None = row[7]
    if preview is not None:
        preview = " ".join(preview.split())
        preview = preview if len(preview) <= PREVIEW_CHARS else preview[: PREVIEW_CHARS - 1] + "…"
    return ConversationInfo(
        id=row[0], title=row[1], model=row[2], persona=row[3],
        created_at=_parse(row[4]), updated_at=_parse(row[5]),
        message_count=row[6], preview=preview or None,
    )
