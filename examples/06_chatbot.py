"""Chapter 6 — 실전 프로젝트: 간단한 챗봇 구현 (a small chatbot).

ChatSession keeps the conversation, sends it with each turn (trimmed to a token budget) and
stores every message in a HistoryStore (SQLite) — here in a temporary directory. Two turns,
then an /undo, as `briefbot chat` does it.

Run: .venv/bin/python examples/06_chatbot.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bot.chat.session import ChatSession
from bot.llm.events import StreamEvent, TextDelta
from bot.llm.factory import create_backend
from bot.settings import load_settings
from bot.store import HistoryStore


def show(event: StreamEvent) -> None:
    if isinstance(event, TextDelta):
        print(event.text, end="", flush=True)


def main() -> int:
    # max_tokens as a "flag" (the highest settings layer) keeps every answer short.
    loaded = load_settings(os.environ, overrides={"max_tokens": 32})
    settings = loaded.settings
    progress = lambda m: print(m, file=sys.stderr)  # noqa: E731 - shown on first run: the model is assembled
    backend = create_backend(settings, loaded.paths, redactor=settings.redactor(), progress=progress)
    with tempfile.TemporaryDirectory() as tmp, HistoryStore.open(Path(tmp) / "history.sqlite3") as store:
        try:
            session = ChatSession(backend, settings, store, persona=None, extra_system="Answer in one sentence.")
            for question in ("Hello! Who are you?", "What can you tell me about exchange rates?"):
                print(f"\nyou > {question}\nbot > ", end="")
                result = session.ask(question, on_event=show)
                reply = result.reply
                tokens = f"{reply.usage.prompt_tokens}+{reply.usage.completion_tokens}" if reply.usage else "?"
                print(f"\n[{reply.status}; tokens {tokens}]")
        finally:
            backend.close()

        cid = session.conversation_id
        assert cid is not None
        print("\nstored: " + " ".join(m.role for m in store.messages(cid)))
        removed = session.undo()  # /undo: forget the last question and its answer
        print(f"/undo removed {removed} messages; stored now: " + " ".join(m.role for m in store.messages(cid)))
        print(f"last question kept in the session: {session.last_user_text()!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
