"""doctor's embedded-model probe: a crash in the child is a clear failure, never the parent's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.llm.probe import REBUILD_HINT, cpu_features, probe_embedded_model


def test_a_child_killed_by_sigsegv_is_reported_with_its_signal(tmp_path: Path) -> None:
    crash = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]
    result = probe_embedded_model(tmp_path / "model.gguf", n_ctx=512, n_threads=1, command=crash)
    assert not result.ok
    assert result.signal_name == "SIGSEGV"
    assert "crashed" in result.detail and "SIGSEGV" in result.detail
    assert "GGML_NATIVE=OFF" in REBUILD_HINT


def test_a_child_that_fails_cleanly_is_reported_with_its_reason(tmp_path: Path) -> None:
    fail = [sys.executable, "-c", "import json; print(json.dumps({'ok': False, 'error': 'bad magic'})); raise SystemExit(1)"]
    result = probe_embedded_model(tmp_path / "model.gguf", n_ctx=512, n_threads=1, command=fail)
    assert not result.ok and result.signal_name is None
    assert "bad magic" in result.detail


def test_cpu_features_reads_llama_system_info() -> None:
    info = "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 0 | AMX_INT8 = 0 | FMA = 1 | OPENMP = 1 |"
    assert cpu_features(info) == ["SSE3", "AVX", "AVX2", "FMA", "OPENMP"]


@pytest.mark.model
def test_the_installed_build_generates_and_takes_no_amx_path(embedded_model: Path) -> None:
    result = probe_embedded_model(embedded_model, n_ctx=512, n_threads=2)
    assert result.ok, result.detail
    features = cpu_features(result.system_info)
    assert "AVX2" in features or "NEON" in features or not features  # x86-64 baseline, or arm64
    assert not any(f.startswith("AMX") or f.startswith("AVX512") for f in features), result.system_info
