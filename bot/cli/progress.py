"""A one-line status on stderr while a terminal waits ("fetching data…", "writing…").

Only on a terminal: piped output stays exactly the answer. The line is cleared before the
answer appears, so nothing of it remains on screen or in a captured transcript.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
