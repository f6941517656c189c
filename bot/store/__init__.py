"""Conversation history and the usage ledger, kept in one private SQLite file.

    from bot.store import HistoryStore, TurnUsage

    with HistoryStore.open(path) as store:
        cid = store.create_conversation(model="gpt-4o-mini", persona=None)
        store.add_message(cid, "user", "서울 날씨 어때?")      # stored before the request is sent
        store.record_turn(cid, content=answer, status="complete", model=m, backend="openai",
                          usage=TurnUsage(120, 40, estimated=False, cost_usd=0.00004))

Every sqlite problem surfaces as :class:`bot.errors.HistoryError` (unknown ids as
:class:`bot.errors.ConversationNotFoundError`).
"""

from bot.store.history import HistoryStore
from bot.store.migrations import MIGRATIONS, Migration
from bot.store.records import AnswerProvenance, ConversationInfo, Role, Status, StoredMessage, TurnUsage, UsageRow

__all__ = [
    "MIGRATIONS",
    "AnswerProvenance",
    "ConversationInfo",
    "HistoryStore",
    "Migration",
    "Role",
    "Status",
    "StoredMessage",
    "TurnUsage",
    "UsageRow",
]
