"""The run ledger: one row per (brief, slot in UTC), claimed in the transaction that runs it.

The ledger, not a process's memory, is what the scheduler resumes from. Whoever decides to
run a slot (``serve``, a cron ``--due`` call, a manual ``run``) does so inside one
``BEGIN IMMEDIATE`` transaction that also inserts the row and takes the brief's lease, so of
two racing processes exactly one runs the slot and the other sees the row.

Row states::

    running ─► succeeded | failed | partial      (the run's outcome)
    running ─► abandoned                          (its owner died or was stopped mid-run)
    missed | skipped-policy | skipped-overlap     (recorded without running)

A lease per brief (``brief_leases``) keeps two runs of one brief apart across processes. A
lease whose owner process is gone (same host, pid not alive) or whose time ran out is taken
over, and the run it covered becomes ``abandoned``: never run again, never left "running".
While a run is alive its owner renews the lease (:mod:`bot.briefs.heartbeat`), so only a run
whose process stopped renewing (dead on another host, or stalled) ever reaches its expiry.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from bot.briefs.ledger_schema import LEDGER_MIGRATIONS, MIGRATIONS_TABLE
from bot.errors import BriefError
from bot.store.db import connect, prepare_private_file
from bot.store.migrations import UnknownMigrationsError, apply_migrations

Kind = Literal["scheduled", "manual", "catch-up"]
FINAL = ("succeeded", "failed", "partial", "missed", "skipped-policy", "skipped-overlap", "abandoned")
DEFAULT_LEASE = timedelta(hours=3)
_TIME = "%Y-%m-%dT%H:%M:%SZ"


_PRECISE = "%Y-%m-%dT%H:%M:%S.%fZ"


def stamp(moment: datetime, *, precise: bool = False) -> str:
    """Slots are keyed to the second; start and finish times keep microseconds for durations."""
    return moment.astimezone(UTC).strftime(_PRECISE if precise else _TIME)


def parse_stamp(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, _PRECISE if "." in text else _TIME).replace(tzinfo=UTC)


def new_owner() -> str:
    """host:pid:start:nonce. The pid lets a process on the same host see that an owner died;
    its start time (Linux) that the pid was not reused since, e.g. by a restarted container."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_start(pid) or '-'}:{uuid.uuid4().hex[:8]}"


def owner_alive(owner: str) -> bool:
    host, pid_text, start, *_ = [*owner.split(":"), "", ""]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True  # another machine's process: only its lease's expiry can tell
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    current = _process_start(int(pid_text))
    return start in ("", "-") or current is None or current == start


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22), if known."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat_line.rpartition(")")[2].split()  # the command name may hold spaces and parentheses
    return fields[19] if len(fields) > 19 else None


@dataclass(frozen=True)
class RunRow:
    id: int
    brief: str
    slot_utc: datetime
    kind: Kind
    status: str
    timezone: str
    started_at: datetime | None
    finished_at: datetime | None
    sources_ok: int
    sources_failed: int
    tokens: int
    cost_usd: float | None
    error: str | None
    owner: str | None

    @property
    def run_key(self) -> str:
        return run_key(self.brief, self.slot_utc, self.kind)

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def run_key(brief: str, slot: datetime, kind: str) -> str:
    """Stable across re-runs of one slot: the delivery outbox keys its parts on it."""
    if kind == "manual":
        return f"{brief}/manual/{stamp(slot)}"
    return f"{brief}/{stamp(slot)}"


@dataclass(frozen=True)
class Claim:
    """``claimed``: this process runs ``row``; ``exists``: the slot was already recorded;
    ``busy``: another run of the brief holds the lease (``row`` is that run's row)."""

    outcome: Literal["claimed", "exists", "busy"]
    row: RunRow | None


@dataclass(frozen=True)
class RunStats:
    sources_ok: int = 0
    sources_failed: int = 0
    tokens: int = 0
    cost_usd: float | None = 0.0
    error: str | None = None


class BriefLedger:
    def __init__(self, conn: sqlite3.Connection, path: Path, owner: str) -> None:
        self.conn = conn
        self.path = path
        self.owner = owner

    @classmethod
    def open(cls, path: Path, *, owner: str | None = None) -> BriefLedger:
        with translating(path):
            prepare_private_file(path)
            conn = connect(path)
            try:
                apply_migrations(conn, LEDGER_MIGRATIONS, table=MIGRATIONS_TABLE)
            except BaseException:
                conn.close()
                raise
        return cls(conn, path, owner or new_owner())

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> BriefLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with translating(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    # --- deciding ------------------------------------------------------------------------

    def claim(self, brief: str, slot: datetime, kind: Kind, timezone: str, *, now: datetime,
              lease: timedelta = DEFAULT_LEASE) -> Claim:
        """Decide, in one transaction, whether this process runs ``slot`` of ``brief``."""
        with self._write() as conn:
            self._reap(conn, brief, now)
            existing = self._row(conn, brief, slot)
            if existing is not None:
                return Claim("exists", existing)
            holder = conn.execute("SELECT run_id FROM brief_leases WHERE brief = ?", (brief,)).fetchone()
            if holder is not None:
                busy_row = self._row_by_id(conn, int(holder[0]))
                if kind != "manual":
                    # The slot came while another run of the brief was still going: recorded, not run.
                    self._insert(conn, brief, slot, kind, timezone, "skipped-overlap", now, error=f"run {busy_row.run_key if busy_row else '?'} was still going")
                return Claim("busy", busy_row)
            row_id = self._insert(conn, brief, slot, kind, timezone, "running", now, started=now)
            conn.execute(
                "INSERT INTO brief_leases (brief, owner, run_id, expires_at) VALUES (?, ?, ?, ?)",
                (brief, self.owner, row_id, stamp(now + lease)),
            )
            return Claim("claimed", self._row_by_id(conn, row_id))

    def record(self, brief: str, slots: Sequence[datetime], status: str, kind: Kind, timezone: str, *,
               now: datetime, error: str | None = None) -> int:
        """Record slots that are not run (missed, skipped-*); a slot already recorded stays as it is."""
        if status not in FINAL or status in ("succeeded", "failed", "partial", "abandoned"):
            raise ValueError(f"not a recording status: {status}")
        with self._write() as conn:
            before = conn.total_changes
            for slot in slots:
                self._insert(conn, brief, slot, kind, timezone, status, now, error=error, ignore=True)
            return conn.total_changes - before

    def finish(self, row_id: int, status: str, stats: RunStats, *, now: datetime) -> None:
        """Close a running row and free its lease; a row already closed (reaped) stays closed."""
        if status not in ("succeeded", "failed", "partial", "abandoned"):
            raise ValueError(f"not a run outcome: {status}")
        with self._write() as conn:
            conn.execute(
                "UPDATE brief_runs SET status = ?, finished_at = ?, sources_ok = ?, sources_failed = ?, tokens = ?,"
                " cost_usd = ?, error = ? WHERE id = ? AND status = 'running'",
                (status, stamp(now, precise=True), stats.sources_ok, stats.sources_failed, stats.tokens, stats.cost_usd, stats.error, row_id),
            )
            conn.execute("DELETE FROM brief_leases WHERE run_id = ? AND owner = ?", (row_id, self.owner))

    def renew(self, run_id: int, *, now: datetime, lease: timedelta = DEFAULT_LEASE) -> bool:
        """Extend this process's lease on a running run to ``now + lease``; False if it is not
        ours any more (finished, or reaped and taken over while this process was stalled)."""
        with self._write() as conn:
            return conn.execute(
                "UPDATE brief_leases SET expires_at = ? WHERE run_id = ? AND owner = ?",
                (stamp(now + lease), run_id, self.owner),
            ).rowcount == 1

    def reap(self, now: datetime) -> int:
        """Abandon every run whose owner is gone; returns how many rows changed."""
        with translating(self.path):
            # A read first: the serve loop calls this every tick, and a write transaction
            # each time would cost a commit for nothing.
            idle = self.conn.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM brief_leases) AND NOT EXISTS (SELECT 1 FROM brief_runs WHERE status = 'running')"
            ).fetchone()[0]
        if idle:
            return 0
        with self._write() as conn:
            briefs = {str(r[0]) for r in conn.execute("SELECT brief FROM brief_runs WHERE status = 'running'"
                                                      " UNION SELECT brief FROM brief_leases").fetchall()}
            return sum(self._reap(conn, brief, now) for brief in sorted(briefs))

    def _reap(self, conn: sqlite3.Connection, brief: str, now: datetime) -> int:
        changed = 0
        lease = conn.execute("SELECT owner, run_id, expires_at FROM brief_leases WHERE brief = ?", (brief,)).fetchone()
        if lease is not None:
            owner, run_id, expires = str(lease[0]), int(lease[1]), parse_stamp(lease[2])
            if not owner_alive(owner) or (expires is not None and expires <= now):
                why = "its process ended before the run finished" if not owner_alive(owner) else "its lease expired"
                changed += conn.execute(
                    "UPDATE brief_runs SET status = 'abandoned', finished_at = ?, error = ? WHERE id = ? AND status = 'running'",
                    (stamp(now, precise=True), why, run_id),
                ).rowcount
                conn.execute("DELETE FROM brief_leases WHERE brief = ?", (brief,))
        # A running row with no lease at all (its owner died between the two statements of an
        # older briefbot, or the lease was reaped elsewhere) is abandoned too.
        changed += conn.execute(
            "UPDATE brief_runs SET status = 'abandoned', finished_at = ?, error = 'found running without a lease'"
            " WHERE brief = ? AND status = 'running' AND id NOT IN (SELECT run_id FROM brief_leases)",
            (stamp(now, precise=True), brief),
        ).rowcount
        return changed

    def _insert(self, conn: sqlite3.Connection, brief: str, slot: datetime, kind: str, timezone: str, status: str,
                now: datetime, *, started: datetime | None = None, error: str | None = None, ignore: bool = False) -> int:
        cur = conn.execute(
            f"INSERT {'OR IGNORE ' if ignore else ''}INTO brief_runs (brief, slot_utc, kind, status, timezone, recorded_at,"
            " started_at, owner, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (brief, stamp(slot), kind, status, timezone, stamp(now), stamp(started, precise=True) if started else None,
             self.owner if status == "running" else None, error),
        )
        return int(cur.lastrowid or 0)

    # --- reading -------------------------------------------------------------------------

    def last_slot(self, brief: str) -> datetime | None:
        """The newest scheduled (or catch-up) slot recorded for ``brief``, whatever its state."""
        with translating(self.path):
            row = self.conn.execute(
                "SELECT MAX(slot_utc) FROM brief_runs WHERE brief = ? AND kind != 'manual'", (brief,)
            ).fetchone()
        return parse_stamp(row[0]) if row and row[0] else None

    def last_run(self, brief: str) -> RunRow | None:
        """The newest row that actually ran (or is running), manual ones included."""
        with translating(self.path):
            row = self.conn.execute(
                f"SELECT {_COLUMNS} FROM brief_runs WHERE brief = ? AND started_at IS NOT NULL"
                " ORDER BY started_at DESC, id DESC LIMIT 1", (brief,)
            ).fetchone()
        return _to_row(row) if row else None

    def slot(self, brief: str, slot: datetime) -> RunRow | None:
        with translating(self.path):
            return self._row(self.conn, brief, slot)

    def runs(self, brief: str | None = None, *, limit: int | None = None) -> list[RunRow]:
        """Newest slot first."""
        sql = f"SELECT {_COLUMNS} FROM brief_runs" + (" WHERE brief = ?" if brief else "") + " ORDER BY slot_utc DESC, id DESC"
        params: tuple[Any, ...] = (brief,) if brief else ()
        if limit is not None:
            sql += " LIMIT ?"
            params += (limit,)
        with translating(self.path):
            return [_to_row(r) for r in self.conn.execute(sql, params).fetchall()]

    def _row(self, conn: sqlite3.Connection, brief: str, slot: datetime) -> RunRow | None:
        row = conn.execute(f"SELECT {_COLUMNS} FROM brief_runs WHERE brief = ? AND slot_utc = ?", (brief, stamp(slot))).fetchone()
        return _to_row(row) if row else None

    def _row_by_id(self, conn: sqlite3.Connection, row_id: int) -> RunRow | None:
        row = conn.execute(f"SELECT {_COLUMNS} FROM brief_runs WHERE id = ?", (row_id,)).fetchone()
        return _to_row(row) if row else None


_COLUMNS = ("id, brief, slot_utc, kind, status, timezone, started_at, finished_at, sources_ok, sources_failed,"
            " tokens, cost_usd, error, owner")


def _to_row(r: Sequence[Any]) -> RunRow:
    return RunRow(
        id=int(r[0]), brief=str(r[1]), slot_utc=parse_stamp(r[2]) or datetime.min.replace(tzinfo=UTC), kind=r[3],
        status=str(r[4]), timezone=str(r[5]), started_at=parse_stamp(r[6]), finished_at=parse_stamp(r[7]),
        sources_ok=int(r[8] or 0), sources_failed=int(r[9] or 0), tokens=int(r[10] or 0),
        cost_usd=None if r[11] is None else float(r[11]), error=r[12], owner=r[13],
    )


@contextmanager
def translating(path: Path) -> Iterator[None]:
    """The one place sqlite errors of the ledger become BriefError, naming the file."""
    try:
        yield
    except UnknownMigrationsError as exc:
        raise BriefError(f"brief database {path} was written by a newer briefbot (unknown migrations: {exc})",
                         hint="upgrade briefbot") from exc
    except sqlite3.Error as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            hint = "another briefbot holds it for long; try again"
        elif "malformed" in text or "not a database" in text:
            hint = f"move it aside (mv '{path}' '{path}.bad'); briefbot starts a new one"
        else:
            hint = "check the file's permissions and free disk space; --debug shows details"
        raise BriefError(f"brief database {path}: {exc}", hint=hint) from exc
    except OSError as exc:
        raise BriefError(f"cannot prepare brief database {path}: {exc.strerror or exc}",
                         hint="check that you can write the file and its folder") from exc
