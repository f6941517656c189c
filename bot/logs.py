"""Where log records go while a command runs: stderr, through the redactor, every one.

Why a formatter and not a filter on briefbot's own loggers: the records that leak come from
libraries. With ``--debug``, urllib3 logs each request line *with its query string*
(``"GET /query?function=...&apikey=... HTTP/1.1" 200``), and a filter on one logger is not
applied to records propagating from its children. Scrubbing the formatted text of the one
handler briefbot installs covers every logger (urllib3, openai, httpx2, briefbot's own) and
tracebacks alike, with the same redactor as all other output.

Without ``--debug`` the level is WARNING, so library warnings are still shown (masked)
instead of reaching Python's unformatted last-resort handler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

DEBUG_FORMAT = "%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s"
DEFAULT_FORMAT = "%(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then masks secrets in the whole text (message, args, traceback)."""

    def __init__(self, scrub: Callable[[str], str], fmt: str, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)
        self._scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        return self._scrub(super().format(record))


@contextmanager
def command_logging(*, debug: bool, stream: TextIO, scrub: Callable[[str], str]) -> Iterator[logging.Handler]:
    """Send log records to ``stream`` for the duration of one command, redacted.

    ``scrub`` is called per record, so a redactor that learns the configured secrets only
    once settings load (``App.scrub``) masks them from then on. The root logger's level and
    handlers are restored afterwards: ``main()`` also runs in-process (tests, embedding).
    """
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        RedactingFormatter(scrub, DEBUG_FORMAT, "%H:%M:%S") if debug else RedactingFormatter(scrub, DEFAULT_FORMAT)
    )
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
