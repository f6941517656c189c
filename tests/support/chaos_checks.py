"""The invariants the chaos suites check in code, one definition each.

Every check returns a list of findings (empty: the invariant held), so a suite can run them all
after every process and report every violation with its seed, instead of stopping at the first.
"""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from connectors.registry import ConnectorRegistry

REPO = Path(__file__).resolve().parents[2]
# Canary data keys: they may reach only their own provider's host, never an output or a file.
AV_KEY = "AVCHAOSCANARY0000KEY"
CG_KEY = "CG-CHAOSCANARY0000KEY"
# A secret's piece this long is a leak too (a mask shows 4 characters, "sk-proj-" is public: 8).
FRAGMENT = 14
# Every C0 control but tab and newline, DEL and C1: an escape sequence cannot start without one.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def chaos_seed() -> int:
    """``BRIEFBOT_CHAOS_SEED`` to replay a run, else a fresh one (printed by the suite)."""
    return int(os.environ.get("BRIEFBOT_CHAOS_SEED") or random.SystemRandom().randrange(1, 10**6))


def documented_exit_codes(readme: Path = REPO / "README.md") -> set[int]:
    """The codes in the README's exit-code table (``| 31–39 | ...`` rows count as ranges)."""
    text = readme.read_text(encoding="utf-8")
    table = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    codes: set[int] = set()
    for first, last in re.findall(r"^\|\s*(\d+)(?:\s*[–-]\s*(\d+))?\s*\|", table, flags=re.MULTILINE):
        codes.update(range(int(first), int(last or first) + 1))
    return codes


def output_problems(label: str, stdout: str, stderr: str, secrets: Iterable[str]) -> list[str]:
    """No traceback, no "unexpected" crash line, no control character, no secret (nor a piece of
    one, :data:`FRAGMENT` characters long) in what a process printed."""
    problems: list[str] = []
    for name, text in (("stdout", stdout), ("stderr", stderr)):
        if "Traceback" in text:
            problems.append(f"{label}: traceback on {name}: {text[text.index('Traceback'):][:300]!r}")
        if "error: unexpected" in text:
            problems.append(f"{label}: unexpected error on {name}: {text[text.index('error: unexpected'):][:200]!r}")
        found = _CONTROLS.search(text)
        if found:
            at = found.start()
            problems.append(f"{label}: control character {found.group()!r} on {name}: {text[max(0, at - 40):at + 20]!r}")
        for secret in secrets:
            piece = next((p for p in _pieces(secret) if p in text), None)
            if piece is not None:
                at = text.index(piece)
                problems.append(f"{label}: secret {secret[:8]}… on {name} (its piece {piece[:6]}…: {text[max(0, at - 30):at]!r})")
    return problems


def _pieces(secret: str) -> list[str]:
    return [secret[i:i + FRAGMENT] for i in range(max(1, len(secret) - FRAGMENT + 1))]


def file_leaks(root: Path, secrets: Iterable[str]) -> list[str]:
    """Every file under ``root`` (home, config, data, cache), scanned as bytes for each secret
    and each :data:`FRAGMENT`-character piece of one."""
    wanted = [(s, [p.encode() for p in _pieces(s)]) for s in secrets]
    leaks: list[str] = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            leaks.extend(f"secret {s[:8]}… written to {path.relative_to(root)}"
                         for s, pieces in wanted if any(p in data for p in pieces))
    return leaks


def cache_problems(cache: Path) -> list[str]:
    """Every HTTP cache entry is strict JSON (no NaN/Infinity) and every cached record re-validates."""
    problems = []
    registry = ConnectorRegistry.default(plugins=False)
    types = {cls.__name__: cls for name in registry.names() for cls in registry.get(name).record_types}

    def refuse(token: str) -> None:
        raise ValueError(f"non-JSON number {token}")

    for path in cache.rglob("*.json"):
        if path.name.startswith(".tmp-"):
            continue
        try:
            entry = json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)
            for item in entry["value"]:
                if isinstance(item, dict) and "type" in item:  # records (geocoding caches raw results)
                    types[item["type"]].model_validate(item["data"])
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            problems.append(f"{path.name}: {type(exc).__name__}: {exc}")
    return problems


def integrity_problems(root: Path) -> list[str]:
    """``PRAGMA integrity_check`` of every SQLite file under ``root``."""
    problems = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".sqlite3", ".db"):
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            finally:
                conn.close()
            if result != ["ok"]:
                problems.append(f"{path.relative_to(root)}: integrity_check {result[:5]}")
    return problems
