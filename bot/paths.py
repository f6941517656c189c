"""Where briefbot keeps its files, following the XDG base-directory convention.

Everything is computed from an environment mapping passed in (never read at import time),
so tests and sub-processes can point briefbot at a scratch home.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP = "briefbot"


def _base(env: Mapping[str, str], var: str, fallback: str) -> Path:
    value = env.get(var, "")
    # The XDG spec says relative values are invalid and must be ignored.
    if value and Path(value).is_absolute():
        return Path(value)
    home = Path(env.get("HOME") or Path.home())
    return home / fallback


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    cache_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AppPaths:
        return cls(
            config_dir=_base(env, "XDG_CONFIG_HOME", ".config") / APP,
            data_dir=_base(env, "XDG_DATA_HOME", ".local/share") / APP,
            cache_dir=_base(env, "XDG_CACHE_HOME", ".cache") / APP,
        )

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def personas_dir(self) -> Path:
        return self.config_dir / "personas"

    @property
    def history_db(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def briefs_file(self) -> Path:
        return self.config_dir / "briefs.toml"

    @property
    def briefs_db(self) -> Path:
        """The brief run ledger and the delivery outbox (one SQLite file, a table set each)."""
        return self.data_dir / "briefs.db"

    @property
    def input_history(self) -> Path:
        return self.data_dir / "input_history"

    @property
    def models_dir(self) -> Path:
        return self.cache_dir / "models"

    @property
    def http_cache_dir(self) -> Path:
        return self.cache_dir / "http"
