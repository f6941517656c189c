"""Does the embedded model really generate on this machine? Asked in a child process.

A llama.cpp built for the wrong CPU does not raise: it dies with SIGSEGV or SIGILL inside
``llama_decode`` (llama-cpp-python 0.3.36 built with ``-march=native`` on a CPU with AMX).
Probing in-process would take ``briefbot doctor`` down with it, so the probe loads the model
and generates one token in a child (``python -m bot.llm.probe MODEL``), which prints one JSON
line; the parent turns a death by signal into a clear failure with the fix.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# What the fix is when the child dies: the portable build `make install` does.
REBUILD_HINT = (
    "llama.cpp was built for another CPU (or with a path that crashes on this one): run "
    "`make clean && make install` to build the portable version, or reinstall with "
    '`CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" '
    "pip install --force-reinstall --no-cache-dir llama-cpp-python`"
)
PROBE_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    detail: str  # one line for doctor
    system_info: str = ""  # llama.cpp's feature flags ("AVX2 = 1 | AMX_INT8 = 0 | ...")
    signal_name: str | None = None  # set when the child died by a signal


def probe_embedded_model(model_path: Path, *, n_ctx: int, n_threads: int | None,
                         command: Sequence[str] | None = None, timeout: float = PROBE_TIMEOUT_S) -> ProbeResult:
    """Load ``model_path`` and generate one token in a child process; never crash the caller.

    ``command`` replaces the child's command line (tests use it to stand in a crashing child).
    """
    argv = list(command) if command is not None else [
        sys.executable, "-m", "bot.llm.probe", str(model_path), str(n_ctx), str(n_threads or 0),
    ]
    started = time.perf_counter()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=dict(os.environ))
    except subprocess.TimeoutExpired:
        return ProbeResult(False, f"the embedded model did not answer one token within {timeout:.0f} s")
    elapsed = time.perf_counter() - started
    if done.returncode < 0:
        name = _signal_name(-done.returncode)
        return ProbeResult(False, f"the embedded model crashed the process with {name} while generating", signal_name=name)
    report = _last_json_line(done.stdout)
    if done.returncode != 0 or report is None:
        reason = (report or {}).get("error") or (done.stderr.strip().splitlines() or ["no output"])[-1]
        return ProbeResult(False, f"the embedded model could not run: {reason}")
    info = str(report.get("system_info", ""))
    return ProbeResult(True, f"generated a token in {elapsed:.2f} s (child process, load included)", system_info=info)


def cpu_features(system_info: str) -> list[str]:
    """The enabled features in llama.cpp's system info: 'AVX2 = 1 | AMX_INT8 = 0' -> ['AVX2']."""
    out: list[str] = []
    for part in system_info.replace("CPU :", "|").split("|"):
        name, sep, value = part.partition("=")
        if sep and value.strip() == "1":
            out.append(name.strip())
    return out


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _last_json_line(stdout: str) -> dict[str, object] | None:
    for line in reversed(stdout.strip().splitlines()):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _child(argv: list[str]) -> int:
    """The child side: load, generate one token, print a JSON line."""
    import llama_cpp

    path, n_ctx, n_threads = Path(argv[0]), int(argv[1]), int(argv[2]) or (os.cpu_count() or 2)
    info = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
    try:
        from bot.llm.local_backend import load_llama

        llm = load_llama(path, n_ctx=n_ctx, n_threads=n_threads)
        llm.create_completion("The", max_tokens=1, temperature=0.0)
    except Exception as exc:  # reported to the parent as data; the parent decides
        print(json.dumps({"ok": False, "error": str(exc), "system_info": info}))
        return 1
    print(json.dumps({"ok": True, "system_info": info}))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
