"""What a scratch home's history database holds, read directly (no briefbot process needed)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def stored_messages(root: Path) -> list[tuple[str, str, str]]:
    """(role, status, content) of every message under ``root``'s data dir, conversation by conversation."""
    conn = sqlite3.connect(f"file:{root / 'data' / 'briefbot' / 'history.sqlite3'}?mode=ro", uri=True)
    try:
        found = conn.execute("SELECT role, status, content FROM messages ORDER BY conversation_id, seq").fetchall()
    finally:
        conn.close()
    return [(str(role), str(status), str(content)) for role, status, content in found]
