"""`.env.example` documents every setting, and copying it as `.env` changes nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bot.settings import Settings, field_env_names, load_settings

REPO = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented_once() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    documented = re.findall(r"^# ([A-Z][A-Z0-9_]+)=\S*$", text, flags=re.MULTILINE)
    assert sorted(documented) == sorted(field_env_names().values())
    assert not re.search(r"sk-[A-Za-z0-9]{8,}", text)  # no real-looking key


def test_copied_as_dotenv_it_yields_the_defaults(tmp_path: Path) -> None:
    shutil.copy(REPO / ".env.example", tmp_path / ".env")
    loaded = load_settings({"HOME": str(tmp_path)}, cwd=tmp_path)
    assert loaded.settings == Settings()
    assert set(loaded.origin.values()) == {"default"}
