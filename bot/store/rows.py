"""Mapping sqlite rows to the store's typed records (rows are untyped by nature)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.store.records import ConversationInfo, StoredMessage

PREVIEW_CHARS = 60

CONVERSATION_SELECT = """
    SELECT c.id, c.title, c.model, c.persona, c.created_at, c.updated_at,
           (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id),
           (SELECT substr(m.content, 1, 200) FROM messages m
             WHERE m.conversation_id = c.id AND m.role = 'user' ORDER BY m.seq LIMIT 1)
    FROM conversations c"""


def conversation_info(row: Any) -> ConversationInfo:  # a sqlite3 row: untyped by nature
    preview: str | None = row[7]
    if preview is not None:
        preview = " ".join(preview.split())
        preview = preview if len(preview) <= PREVIEW_CHARS else preview[: PREVIEW_CHARS - 1] + "…"
    return ConversationInfo(
        id=row[0], title=row[1], model=row[2], persona=row[3],
        created_at=datetime.fromisoformat(row[4]), updated_at=datetime.fromisoformat(row[5]),
        message_count=row[6], preview=preview or None,
    )


def stored_message(r: Any) -> StoredMessage:
    return StoredMessage(
        id=r[0], conversation_id=r[1], seq=r[2], role=r[3], content=r[4],
        status=r[5], model=r[6], created_at=datetime.fromisoformat(r[7]), error=r[8],
        persona=r[9], sources=tuple(json.loads(r[10])) if r[10] else (), cancelled=bool(r[11]),
    )
