"""The brief ledger's schema as ordered, named migrations (own list: the file is shared).

Never edit or reorder a released migration: append a new one.
"""

from __future__ import annotations

from bot.store.migrations import Migration

MIGRATIONS_TABLE = "brief_ledger_migrations"

LEDGER_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "create_brief_runs_and_leases",
        """
        CREATE TABLE brief_runs (
            id              INTEGER PRIMARY KEY,
            brief           TEXT NOT NULL,
            slot_utc        TEXT NOT NULL,   -- YYYY-MM-DDTHH:MM:SSZ; a manual run's start
            kind            TEXT NOT NULL CHECK (kind IN ('scheduled', 'manual', 'catch-up')),
            status          TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'partial',
                                'missed', 'skipped-policy', 'skipped-overlap', 'abandoned')),
            timezone        TEXT NOT NULL,
            recorded_at     TEXT NOT NULL,
            started_at      TEXT,
            finished_at     TEXT,
            sources_ok      INTEGER NOT NULL DEFAULT 0,
            sources_failed  INTEGER NOT NULL DEFAULT 0,
            tokens          INTEGER NOT NULL DEFAULT 0,
            cost_usd        REAL,
            error           TEXT,
            owner           TEXT,
            UNIQUE (brief, slot_utc)
        );
        -- One lease per brief: at most one run of a brief at a time, across processes.
        CREATE TABLE brief_leases (
            brief       TEXT PRIMARY KEY,
            owner       TEXT NOT NULL,
            run_id      INTEGER NOT NULL REFERENCES brief_runs (id),
            expires_at  TEXT NOT NULL
        );
        """,
    ),
)
