"""Cutting long text into messages a chat service accepts, without losing a character.

Chat services refuse or truncate long messages (Discord 2,000 characters, Telegram 4,096
UTF-16 code units, a Slack section 3,000). Text is cut on paragraph boundaries first, a
paragraph that alone is too long on line boundaries, and a line that alone is too long at
the limit itself. When more than one message results, each starts with ``(i/n)`` so a
reader sees that one is missing; the label's room is reserved before cutting.
"""

from __future__ import annotations

from collections.abc import Callable

Measure = Callable[[str], int]


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int, *, measure: Measure = len) -> list[str]:
    """``text`` as messages of at most ``limit`` (by ``measure``), numbered when several."""
    text = text.strip()
    if measure(text) <= limit:
        return [text]
    # Reserve room for "(nn/nn)\n" however many parts result; 99 parts is far beyond any brief.
    chunks = pack_paragraphs(text, limit - measure("(99/99)\n"), measure=measure)
    total = len(chunks)
    return [f"({i}/{total})\n{chunk}" for i, chunk in enumerate(chunks, start=1)]


def pack_paragraphs(text: str, budget: int, *, measure: Measure = len) -> list[str]:
    """Greedy packing of paragraphs (then lines, then characters) into chunks under ``budget``."""
    if budget < 1:
        raise ValueError(f"message budget must be positive, got {budget}")
    pieces: list[tuple[str, str]] = []  # (separator before it, text)
    for paragraph in (p.strip("\n") for p in text.split("\n\n")):
        if not paragraph.strip():
            continue
        if measure(paragraph) <= budget:
            pieces.append(("\n\n", paragraph))
            continue
        for i, line in enumerate(_cut_lines(paragraph, budget, measure)):
            pieces.append(("\n\n" if i == 0 else "\n", line))
    chunks: list[str] = []
    current = ""
    for separator, piece in pieces:
        candidate = f"{current}{separator}{piece}" if current else piece
        if measure(candidate) <= budget:
            current = candidate
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _cut_lines(paragraph: str, budget: int, measure: Measure) -> list[str]:
    out: list[str] = []
    for line in paragraph.split("\n"):
        while measure(line) > budget:
            head = _longest_prefix(line, budget, measure)
            out.append(head)
            line = line[len(head):]
        out.append(line)
    return out


def _longest_prefix(line: str, budget: int, measure: Measure) -> str:
    """The longest prefix within ``budget``. It never ends on a backslash: Discord text is
    escaped, and a cut there would turn the next part's first character into a literal."""
    end = min(len(line), budget)
    while end > 1 and measure(line[:end]) > budget:
        end -= 1
    while end > 1 and line[end - 1] == "\\":
        end -= 1
    return line[:end]
