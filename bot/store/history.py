"""HistoryStore: conversations, messages and the usage ledger in one private SQLite file.

One connection per store object, in autocommit mode: every write method is its own
``BEGIN IMMEDIATE`` transaction, so each call is committed when it returns (the user's
message is on disk before the request leaves) and a turn is all-or-nothing.
"""

from __future__ import annotations

import json
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
from bot.store.records import ROLES, STATUSES, AnswerProvenance, ConversationInfo, StoredMessage, TurnUsage, UsageRow
from bot.store.rows import CONVERSATION_SELECT, conversation_info, stored_message

Clock = Callable[[], datetime]
Scrub = Callable[[str], str]
DayOf = Callable[[datetime], str]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _utc_day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def _usage_row(key: str, rows: list[Any]) -> UsageRow:
    costs = [float(r[4]) for r in rows if r[4] is not None]
    return UsageRow(
        key=key, calls=len(rows), prompt_tokens=sum(r[2] for r in rows), completion_tokens=sum(r[3] for r in rows),
        cost_usd=sum(costs) if costs else None, unknown_cost_calls=len(rows) - len(costs),
        estimated_calls=sum(r[5] for r in rows),
    )


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
        self.clock = clock  # every row is stamped by it; the per-day budget asks it for "now" too
        self.scrub = scrub  # applied to every text written; the chat's memory of an answer uses it too

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
            if self._conn.in_transaction:
                # Ctrl-C landed between an earlier BEGIN and its try block: that write never
                # happened, so drop it rather than fail every later one.
                self._conn.execute("ROLLBACK")
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _now(self) -> str:
        return _stamp(self.clock())

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
            (conversation_id, seq, role, self.scrub(content), status, model, now, error and self.scrub(error)),
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
            row = conn.execute(CONVERSATION_SELECT + " WHERE c.id = ?", (conversation_id,)).fetchone()
        return conversation_info(row)

    def conversations(self, limit: int | None = 20) -> list[ConversationInfo]:
        """Most recently updated first; ``limit=None`` returns them all."""
        with self._read() as conn:
            rows = conn.execute(
                CONVERSATION_SELECT + " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?",
                (-1 if limit is None else limit,),
            ).fetchall()
        return [conversation_info(row) for row in rows]

    def last_conversation_id(self) -> int | None:
        with self._read() as conn:
            row = conn.execute("SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 1").fetchone()
        return None if row is None else int(row[0])

    def set_title(self, conversation_id: int, title: str | None) -> None:
        with self._write() as conn:
            self._require(conn, conversation_id)
            title = self.scrub(title) if title else title
            conn.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    def set_persona(self, conversation_id: int, persona: str | None) -> None:
        """The conversation's current persona (``/persona``); each answer also keeps its own."""
        with self._write() as conn:
            self._require(conn, conversation_id)
            conn.execute("UPDATE conversations SET persona = ? WHERE id = ?", (persona, conversation_id))

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
        provenance: AnswerProvenance | None = None,
        draft_id: int | None = None,
    ) -> int:
        """Store the assistant's reply and its usage together: both are written or neither.

        ``draft_id``: the row :meth:`update_draft` kept up to date while the answer streamed;
        it becomes the final message (no second row), so a turn is stored exactly once.
        """
        with self._write() as conn:
            if draft_id is None:
                message_id = self._insert_message(
                    conn, conversation_id, "assistant", content, status=status, model=model, error=error
                )
            else:
                message_id = draft_id
                self._rewrite_draft(conn, draft_id, content, status=status, model=model, error=error)
            if provenance is not None:
                sources = json.dumps(list(provenance.sources), ensure_ascii=False) if provenance.sources else None
                conn.execute(
                    "UPDATE messages SET persona = ?, sources = ?, cancelled = ? WHERE id = ?",
                    (provenance.persona, sources and self.scrub(sources), int(provenance.cancelled), message_id),
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

    def update_draft(self, message_id: int, content: str) -> None:
        """Rewrite the text of an answer still streaming (written before each piece is shown)."""
        with self._write() as conn:
            self._rewrite_draft(conn, message_id, content, status="incomplete", model=None, error=None)

    def _rewrite_draft(
        self, conn: sqlite3.Connection, message_id: int, content: str, *, status: str, model: str | None, error: str | None
    ) -> None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {sorted(STATUSES)}, not {status!r}")
        conn.execute(
            "UPDATE messages SET content = ?, status = ?, model = COALESCE(?, model), error = ? WHERE id = ?",
            (self.scrub(content), status, model, error and self.scrub(error), message_id),
        )

    def messages(self, conversation_id: int) -> list[StoredMessage]:
        with self._read() as conn:
            self._require(conn, conversation_id)
            rows = conn.execute(
                "SELECT id, conversation_id, seq, role, content, status, model, created_at, error,"
                " persona, sources, cancelled FROM messages WHERE conversation_id = ? ORDER BY seq",
                (conversation_id,),
            ).fetchall()
        return [stored_message(r) for r in rows]

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
        self, *, by: Literal["day", "model"], since: datetime | None = None, day_of: DayOf = _utc_day
    ) -> list[UsageRow]:
        """Totals per day (oldest first) or per model (by name), optionally from ``since``.

        ``day_of`` names the day of a moment: the user's local day in the CLI (a Seoul
        evening is not "tomorrow"), UTC by default. Grouped here rather than in SQL because
        a zone's offset changes over the year (DST).
        """
        if by not in ("day", "model"):
            raise ValueError(f"by must be 'day' or 'model', not {by!r}")
        with self._read() as conn:
            rows = conn.execute(
                "SELECT created_at, model, prompt_tokens, completion_tokens, cost_usd, estimated"
                " FROM usage WHERE created_at >= ? ORDER BY created_at",
                (_stamp(since) if since else "",),
            ).fetchall()
        groups: dict[str, list[Any]] = {}
        for row in rows:
            key = day_of(_parse(row[0])) if by == "day" else str(row[1])
            groups.setdefault(key, []).append(row)
        return [_usage_row(key, groups[key]) for key in sorted(groups)]

    def spent_since(self, since: datetime) -> float:
        """Known spend (USD) from ``since`` on, for the per-day budget; unknown costs add nothing."""
        with self._read() as conn:
            (total,) = conn.execute(
                "SELECT COALESCE(SUM(cost_usd), 0.0) FROM usage WHERE created_at >= ?", (_stamp(since),)
            ).fetchone()
        return float(total)
