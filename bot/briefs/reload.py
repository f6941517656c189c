"""Keeping ``brief serve`` on the current briefs.toml, without a restart.

The serve loop asks :meth:`BookReloader.poll` before every tick. The file is loaded again when
its identity changed since the last load (modification time, size, inode: an editor that
saves by rename is seen too) or when SIGHUP asked for it (:class:`ReloadSignal`, which also
wakes a scheduler that is asleep). Reloads happen between runs, never during one.

A file that does not load changes nothing: its mistake is logged in the words ``brief check``
prints for exit 61 (file, brief, field, fix), and the last good briefs keep running until the
file is saved again. Briefs that are new, or whose schedule changed, start from the reload as
if serve had just started for them: no slot before the reload is "live" for them, so the
catch-up policy decides about their past, as it would after a restart.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from bot.briefs.definitions import BriefBook
from bot.errors import BriefbotError

Identity = tuple[int, int, int, int] | None


def file_identity(path: Path) -> Identity:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


@dataclass
class BookReloader:
    """``poll()`` → the newly loaded book, or None (unchanged, or it did not load)."""

    book: BriefBook
    load: Callable[[], BriefBook]
    log: Callable[[str], None]
    requested: bool = False  # SIGHUP: load again even if the file looks unchanged
    _seen: Identity = field(init=False)

    def __post_init__(self) -> None:
        self._seen = file_identity(self.book.file)

    def poll(self) -> BriefBook | None:
        seen = file_identity(self.book.file)
        if seen == self._seen and not self.requested:
            return None
        why = "on SIGHUP" if self.requested else "after it changed"
        self.requested = False
        self._seen = seen
        try:
            book = self.load()
        except BriefbotError as exc:
            self.log(f"error: {exc}")
            names = ", ".join(self.book.briefs) or "none"
            self.log(f"not reloaded {why}: still serving the last good briefs ({names}); fix the file and save it again")
            return None
        self.log(f"reloaded {book.file} {why}: {describe_changes(self.book, book)}")
        self.book = book
        return book


def describe_changes(old: BriefBook, new: BriefBook) -> str:
    added = [n for n in new.briefs if n not in old.briefs]
    removed = [n for n in old.briefs if n not in new.briefs]
    changed = [n for n in new.briefs if n in old.briefs and new.briefs[n] != old.briefs[n]]
    parts = [f"{label} {', '.join(names)}" for label, names in (("added", added), ("removed", removed), ("changed", changed)) if names]
    return f"{len(new.briefs)} brief(s)" + (f"; {'; '.join(parts)}" if parts else ", nothing changed")


def restarted_briefs(old: BriefBook, new: BriefBook) -> list[str]:
    """Briefs the scheduler treats as just started: new ones, and those with another schedule."""
    return [n for n, b in new.briefs.items() if n not in old.briefs or old.briefs[n].schedule != b.schedule]


class Wake(BaseException):
    """Raised by :class:`ReloadSignal` out of a nap only; never seen outside :meth:`ReloadSignal.nap`."""


class ReloadSignal:
    """SIGHUP → reload at the next tick; a scheduler asleep in :meth:`nap` wakes up for it."""

    def __init__(self, reloader: BookReloader, sleep: Callable[[float], None]) -> None:
        self.reloader = reloader
        self._sleep = sleep
        self._napping = False
        self._previous: object = None
        self._signum = getattr(signal, "SIGHUP", None)  # none on Windows: file changes still count

    def install(self) -> None:
        if self._signum is not None:
            self._previous = signal.signal(self._signum, self._handle)

    def restore(self) -> None:
        if self._signum is not None and self._previous is not None:
            signal.signal(self._signum, self._previous)  # type: ignore[arg-type]

    def nap(self, seconds: float) -> None:
        """The scheduler's sleep, cut short by SIGHUP."""
        try:
            self._napping = True
            self._sleep(seconds)
            self._napping = False
        except Wake:
            pass  # the handler cleared _napping before raising: one Wake per nap, caught here
        except BaseException:
            self._napping = False  # a stop signal: no Wake may follow outside a nap
            raise

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.reloader.requested = True
        if self._napping:
            self._napping = False
            raise Wake()
