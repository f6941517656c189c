"""A small on-disk TTL cache for connector results, under ``AppPaths.http_cache_dir``.

One JSON file per entry, written atomically (temp file + rename) so a crash or a second
briefbot process never sees half an entry. Entries are plain data with a ``stored_at``
time; *freshness* is the caller's decision (each connector has its own TTL, and an expired
entry is still worth serving, labelled with its age, when the source is down).

Everything written is passed through the redactor first: a cache file is as likely to be
shared in a bug report as a log line.

A fetch abandoned by Ctrl-C (see :mod:`connectors.concurrent`) may still finish on its daemon
thread while the process winds down. :meth:`FileCache.close` (the runtime's close) waits for a
write in progress and refuses later ones, so the process never exits halfway through a write;
an interrupt inside a write removes its temp file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.redact import Redactor


@dataclass(frozen=True)
class CacheEntry:
    stored_at: datetime
    value: Any

    def age_seconds(self, now: datetime) -> float:
        return max(0.0, (now - self.stored_at).total_seconds())


def cache_key(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


class FileCache:
    def __init__(self, directory: Path, *, redactor: Redactor) -> None:
        self.directory = directory
        self.redactor = redactor
        self._writing = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """Wait for a write in progress; every later :meth:`store` is a no-op."""
        with self._writing:
            self._closed = True

    def _path(self, namespace: str, key: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in namespace)
        return self.directory / safe / f"{key}.json"

    def load(self, namespace: str, key: str) -> CacheEntry | None:
        path = self._path(namespace, key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return CacheEntry(stored_at=datetime.fromisoformat(data["stored_at"]), value=data["value"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            # A corrupt entry is a miss, not a failure; remove it so it is rewritten.
            path.unlink(missing_ok=True)
            return None

    def store(self, namespace: str, key: str, value: Any, *, now: datetime) -> None:
        path = self._path(namespace, key)
        try:
            # allow_nan=False: NaN is not JSON, and a poisoned entry would outlive the fault.
            text = json.dumps({"stored_at": now.isoformat(), "value": value}, ensure_ascii=False, allow_nan=False)
        except ValueError:
            return
        text = self.redactor.scrub(text)
        with self._writing:
            if not self._closed:
                self._write(path, text)

    @staticmethod
    def _write(path: Path, text: str) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        except OSError:
            # A read-only or full disk must not turn a successful fetch into a failure.
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)  # Ctrl-C mid-write: no temp file left behind
            raise

    def files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.rglob("*.json") if not p.name.startswith(".tmp-"))
