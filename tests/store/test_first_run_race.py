"""Two briefbot processes starting on a fresh HOME at once: the second must not fail because
the first created the data folder between its check and its mkdir ("File exists", exit 50)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.store.db import prepare_private_file


def test_a_folder_created_by_another_process_meanwhile_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data" / "briefbot"
    real_exists = Path.exists

    def exists_but_another_process_wins(path: Path) -> bool:
        # Report "missing" for the data folder, and create it right then, the way the other
        # process does between this one's exists() and mkdir().
        if path == data and not real_exists(path):
            data.mkdir(parents=True)
            return False
        return real_exists(path)

    monkeypatch.setattr(Path, "exists", exists_but_another_process_wins)
    prepare_private_file(data / "history.sqlite3")
    assert (data / "history.sqlite3").is_file()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
