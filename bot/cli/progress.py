"""A one-line status on stderr while a terminal waits ("fetching data…", "writing…").

Only on a terminal: piped output stays exactly the answer. The line is cleared before the
answer appears, so nothing of it remains on screen or in a captured transcript.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.llm.events import TextDelta
from bot.redact import StreamRedactor

if TYPE_CHECKING:
    from bot.app import App

_MESSAGES = {
    "planning": "… fetching data",
    "answering": "… asking the model",
    "writing": "… writing the answer",
    "checking": "… checking the figures",
}


class StatusLine:
    def __init__(self, app: App) -> None:
        self.app = app
        self.enabled = bool(getattr(app.stderr, "isatty", lambda: False)())
        self._shown = False

    def update(self, status: str) -> None:
        if not self.enabled:
            return
        message = _MESSAGES.get(status, f"… {status}")
        self.app.stderr.write("\r\x1b[2K" + message)
        self.app.stderr.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.app.stderr.write("\r\x1b[2K")
            self.app.stderr.flush()
            self._shown = False


class AnswerDisplay:
    """How ask and chat put an answer on screen: the status line until the first text, then the
    text through a :class:`~bot.redact.StreamRedactor` (a key split across two streamed chunks
    is masked whole), and :meth:`finish` releases what it held back."""

    def __init__(self, app: App, *, show_text: bool = True) -> None:
        self.app = app
        self.show_text = show_text  # False: the caller prints the finished answer itself (--json)
        self.status = StatusLine(app)
        self._shown = StreamRedactor(app.redactor)

    def on_event(self, event: object) -> None:
        if isinstance(event, TextDelta):
            self.status.clear()
            if self.show_text:
                self.app.out(self._shown.feed(event.text), end="", flush=True)

    def finish(self) -> None:
        self.status.clear()
        if self.show_text:
            self.app.out(self._shown.flush(), end="", flush=True)
