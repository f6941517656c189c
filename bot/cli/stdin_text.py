"""Reading user text from stdin (and argv) as UTF-8, with a clear error for anything else.

Python's text stdin decodes whole buffered blocks: one bad byte would fail the read of
*earlier*, valid lines too, with a bare UnicodeDecodeError. So stdin is read as bytes and
decoded here, per line for chat, which can then skip just the bad line.
"""

from __future__ import annotations

from typing import TextIO

from bot.errors import UsageError

HINT = "send UTF-8 text (e.g. convert it with `iconv -f CP949 -t UTF-8`)"


def decode_utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{what} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", hint=HINT
        ) from None


def check_encodable(text: str, what: str) -> str:
    """Arguments arrive with undecodable bytes smuggled in as surrogates: refuse them the same way."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UsageError(f"{what} is not valid UTF-8 (an undecodable byte at character {exc.start})", hint=HINT) from None
    return text


def read_all(stream: TextIO, what: str) -> str:
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # an in-memory stream (tests, embedding): already text
        return stream.read()
    return decode_utf8(buffer.read(), what)


def read_line(stream: TextIO, what: str) -> str | None:
    """One line without its newline; None at end of input; UsageError if it is not UTF-8."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        line = stream.readline()
        return line.rstrip("\n") if line else None
    raw: bytes = buffer.readline()
    if not raw:
        return None
    return decode_utf8(raw, what).rstrip("\r\n")
