"""Cutting long text into messages under a service's limit without losing a character."""

from __future__ import annotations

import re

import pytest

from bot.briefs.deliver.splitting import pack_paragraphs, split_message, utf16_length


def unlabel(parts: list[str]) -> list[str]:
    return [re.sub(r"^\(\d+/\d+\)\n", "", p) for p in parts]


def test_short_text_is_one_unnumbered_message() -> None:
    assert split_message("title\n\nbody", 2000) == ["title\n\nbody"]


def test_paragraphs_stay_whole_and_parts_are_numbered_under_the_limit() -> None:
    paragraphs = [f"paragraph {i} " + " ".join(["word"] * 60) for i in range(10)]  # 311 characters each
    parts = split_message("\n\n".join(paragraphs), 1000)

    assert len(parts) == 4
    assert all(len(p) <= 1000 for p in parts)
    assert [p.split("\n", 1)[0] for p in parts] == ["(1/4)", "(2/4)", "(3/4)", "(4/4)"]
    chunks = [c.split("\n\n") for c in unlabel(parts)]
    assert [p for chunk in chunks for p in chunk] == paragraphs  # none cut, none lost


def test_a_paragraph_over_the_limit_is_cut_on_lines_then_hard() -> None:
    lines = [f"line {i:02d} " + "." * 40 for i in range(30)]  # 48 characters each
    huge_line = "y" * 250
    parts = pack_paragraphs("intro\n\n" + "\n".join(lines) + "\n\n" + huge_line, 100)

    assert all(len(p) <= 100 for p in parts)
    assert all(any(line in p.split("\n") for p in parts) for line in lines)  # a line that fits is never cut
    assert "".join(p for p in parts if set(p) == {"y"}) == huge_line


def test_telegram_limit_counts_utf16_units() -> None:
    text = "\n\n".join(["😀" * 30] * 4)  # each emoji is two UTF-16 code units
    parts = split_message(text, 100, measure=utf16_length)

    assert all(utf16_length(p) <= 100 for p in parts)
    assert sum(p.count("😀") for p in parts) == 120
    assert utf16_length("😀a") == 3


def test_a_hard_cut_never_ends_on_an_escaping_backslash() -> None:
    parts = pack_paragraphs("a" * 9 + "\\*" + "b" * 20, 10)

    assert parts[0] == "a" * 9 and parts[1].startswith("\\*")


def test_a_limit_too_small_for_the_label_is_refused() -> None:
    with pytest.raises(ValueError, match="budget must be positive"):
        split_message("x" * 50, 8)
