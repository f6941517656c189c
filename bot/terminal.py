"""The terminal boundary: what briefbot writes to it and reads from it.

Output: a model's answer and fetched data are text from outside. Written raw, an escape
sequence in them drives the user's terminal — OSC 0/2 rewrites the window title, OSC 52
writes the clipboard, OSC 8 hides a link target, CSI 2J clears the screen, a bare CR
overwrites the line just shown. :func:`for_terminal` removes every escape sequence and every
C0/C1 control character except newline and tab; :class:`bot.app.App` applies it to all it
writes. Removing per chunk is safe for streamed text: once its ESC is gone, the rest of a
split sequence is inert text.

Input: :class:`Utf8Input` decodes stdin strictly and reports bytes that are not UTF-8 as a
usage error (exit 2) naming the line, instead of an unexpected crash (exit 1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TextIO

from bot.errors import UsageError

_ESCAPE_SEQUENCES = re.compile(
    r"""
      \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?     # OSC: title, clipboard (52), hyperlinks (8)
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?          # DCS, SOS, PM, APC strings
    | \x1b\[[0-?]*[ -/]*[@-~]?                         # CSI: colours, cursor moves, screen clear
    | \x1b[ -/]*[0-~]?                                 # other ESC sequences (ESC c resets the terminal)
    | \x9d[^\x07\x9c]*(?:\x07|\x9c)?                   # 8-bit OSC
    | [\x90\x98\x9e\x9f][^\x9c]*\x9c?                  # 8-bit DCS, SOS, PM, APC
    | \x9b[0-?]*[ -/]*[@-~]?                           # 8-bit CSI
    """,
    re.VERBOSE,
)
# Every C0 control but tab and newline, DEL, and C1.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def for_terminal(text: str) -> str:
    """``text`` without escape sequences or control characters (newline and tab are kept)."""
    if not text.isprintable():  # the common case, all printable, costs one scan
        text = _CONTROLS.sub("", _ESCAPE_SEQUENCES.sub("", text))
    return text


class Utf8Input:
    """A text stdin that decodes each read strictly as UTF-8 and says so when it cannot.

    Reads go to the underlying byte buffer line by line, so after a bad line the next one
    reads cleanly (a chat can go on). Streams without a byte buffer (tests' StringIO) pass
    through unchanged; no stream at all (``sys.stdin`` is None when fd 0 is closed) reads as
    empty input.
    """

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        self._buffer = getattr(stream, "buffer", None)
        self._line = 0

    def read(self, size: int = -1) -> str:
        if self._stream is None:
            return ""
        if self._buffer is None:
            return self._stream.read(size)
        return self._decode(self._buffer.read(size), what="the input")

    def readline(self, size: int = -1) -> str:
        if self._stream is None:
            return ""
        if self._buffer is None:
            return self._stream.readline(size)
        self._line += 1
        return self._decode(self._buffer.readline(size), what=f"line {self._line} of the input")

    def __iter__(self) -> Iterator[str]:
        while line := self.readline():
            yield line

    def isatty(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    @staticmethod
    def _decode(data: bytes, *, what: str) -> str:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"{what} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                hint="save or convert the text as UTF-8, e.g. `iconv -f cp949 -t utf-8 question.txt | briefbot ask`",
            ) from None
        return text.replace("\r\n", "\n")
