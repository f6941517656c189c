"""The answer being streamed, kept on disk ahead of the screen; and holding Ctrl-C during a commit.

Why write ahead: an answer the user has read must survive anything, SIGKILL included, which no
handler can catch. Committing only at the end leaves a window (the last token is shown, the
stream's end and usage are still on the way) in which a kill loses the whole answer. So the
first piece inserts the assistant row (status ``incomplete``) and each later piece rewrites
its text, each write committed before the piece is printed. The final commit turns that same
row into the finished message, so it is stored exactly once. The cost is one small SQLite
write per piece (WAL, ``synchronous=NORMAL``: no fsync, yet safe against a killed process).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.store import HistoryStore


class ReplyDraft:
    def __init__(self, store: HistoryStore, conversation_id: int, model: str) -> None:
        self.store = store
        self.conversation_id = conversation_id
        self.model = model
        self.message_id: int | None = None  # None until the first piece arrives
        self._parts: list[str] = []

    @property
    def text(self) -> str:
        """What has been written (and so may have been shown)."""
        return "".join(self._parts)

    def append(self, piece: str) -> None:
        text = self.text + piece
        if self.message_id is None:
            self.message_id = self.store.add_message(
                self.conversation_id, "assistant", text, status="incomplete", model=self.model
            )
        else:
            self.store.update_draft(self.message_id, text)
        self._parts.append(piece)  # only once stored: the draft never claims more than the disk has


@contextmanager
def holding_interrupts() -> Iterator[None]:
    """Ignore Ctrl-C while the block runs (a second press during a cancel's commit).

    The first Ctrl-C already decided the turn's fate; a second one arriving mid-transaction
    would roll the record of it back. Signals are only handled on the main thread, so
    elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ignore(signum: int, frame: FrameType | None) -> None:
        return

    previous = signal.signal(signal.SIGINT, ignore)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
