"""briefbot's performance targets, measured side by side in one run and reported as ratios.

    .venv/bin/python bench/run.py            (or: make bench)

What it measures (targets from the foundation issue):

* ``briefbot --help`` wall time (target ≤ 0.3 s) and ``import bot`` time;
* embedded backend streaming: tokens/s and time to first token through briefbot's
  LocalBackend + stream_reply, against raw llama-cpp-python on the same model, prompts and
  sampling (targets ≥ 0.95× raw tokens/s; first token within +10 ms of raw);
* peak RSS of a ``briefbot ask`` process on each backend: embedded vs a bare llama-cpp-python
  process answering the same question (target ≤ 1.2×), and on the openai backend against the
  local wire-format server (target ≤ 120 MB).

llama.cpp busy-waits on its threads: run this on an otherwise idle machine. Raw and briefbot
runs are interleaved so background load hits both alike.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import scratch_env  # noqa: E402  (the same scratch homes the tests use)

PROMPTS = [
    "Write a short paragraph about the weather in Seoul in spring.",
    "Explain what an exchange rate is in two sentences.",
    "List three facts about the planet Mars.",
]
MAX_TOKENS = 96
ROUNDS = 3
QUESTION = "What is the capital of France?"


def timed_runs(cmd: list[str], env: dict[str, str], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# Linux carries a process's RSS high-water mark across fork and exec, so a child of this
# (large) process would report at least our own peak. A tiny launcher process starts the
# measured command and reports the peak of its children instead.
RSS_LAUNCHER = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
if done.returncode:
    sys.exit(f"exit {done.returncode}: {done.stderr[-400:]}")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_mb(cmd: list[str], env: dict[str, str]) -> float:
    """Peak RSS of ``cmd`` as its own process, in MB."""
    done = subprocess.run([sys.executable, "-c", RSS_LAUNCHER, *cmd], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed: {done.stderr[-500:]}")
    return int(done.stdout.strip()) / 1024  # Linux reports KiB


def stream_stats(iterator: Any, text_of: Any) -> tuple[float, int, float]:
    """(time to first token, tokens, seconds from first to last token)."""
    start = time.perf_counter()
    first = last = None
    tokens = 0
    for item in iterator:
        if text_of(item):
            now = time.perf_counter()
            first = first or now
            last = now
            tokens += 1
    assert first is not None and last is not None
    return first - start, tokens, last - first


RAW_PROCESS = """
import sys
from llama_cpp import Llama
from bot.llm import gemma_format
llm = Llama(model_path=sys.argv[1], n_ctx=4096, n_threads={threads}, verbose=False)
prompt = gemma_format.render([{{"role": "user", "content": sys.argv[2]}}])
out = llm.create_completion(prompt, max_tokens=200, stop=gemma_format.STOP_SEQUENCES)
print(out["choices"][0]["text"])
"""


def main() -> int:
    from bot.llm import gemma_format
    from bot.llm.local_backend import LocalBackend
    from bot.llm.model_file import ensure_bundled_model

    threads = os.cpu_count() or 2
    work = Path(tempfile.mkdtemp(prefix="briefbot-bench-"))
    model = ensure_bundled_model(work / "models", progress=print)
    env = scratch_env(work, BRIEFBOT_LOCAL_MODEL_PATH=str(model))
    py = sys.executable
    results: list[tuple[str, str, str, str]] = []

    # -- start-up --------------------------------------------------------------------------
    help_s = timed_runs([py, "-m", "bot", "--help"], env, 7)
    bare_s = timed_runs([py, "-c", "pass"], env, 7)
    import_s = timed_runs([py, "-c", "import bot, bot.cli.main"], env, 7)
    results.append(("briefbot --help", f"{help_s * 1000:.0f} ms", f"python -c pass {bare_s * 1000:.0f} ms", "≤ 300 ms"))
    results.append(("import bot (+cli)", f"{(import_s - bare_s) * 1000:.0f} ms", "over bare interpreter", "—"))

    # -- streaming, interleaved raw / briefbot -------------------------------------------------
    from llama_cpp import Llama

    from bot.llm.streaming import stream_reply
    from bot.llm.events import TextDelta

    raw = Llama(model_path=str(model), n_ctx=4096, n_threads=threads, verbose=False)
    ours = LocalBackend(model, model_name="gemma-3-270m", n_ctx=4096, n_threads=threads)
    # Raw llama-cpp-python gets exactly the sampling briefbot uses (temperature 0: greedy, so
    # both produce the same tokens and the comparison is per token of the same text).
    sampling = ours._sampling([{"role": "user", "content": PROMPTS[0]}], MAX_TOKENS, 0.0)
    raw_ttft: list[float] = []
    raw_tps: list[float] = []
    our_ttft: list[float] = []
    our_tps: list[float] = []
    for _ in range(ROUNDS):
        for prompt in PROMPTS:
            text = gemma_format.render([{"role": "user", "content": prompt}])
            raw.reset()
            ttft, n, span = stream_stats(
                raw.create_completion(text, stream=True, **sampling),
                lambda c: c["choices"][0]["text"],
            )
            raw_ttft.append(ttft)
            raw_tps.append((n - 1) / span if span > 0 else 0.0)

            ours._llm.reset()
            events: list[tuple[float, str]] = []
            start = time.perf_counter()
            stream_reply(
                ours,
                [{"role": "user", "content": prompt}],
                max_tokens=MAX_TOKENS,
                temperature=0.0,
                on_event=lambda e: events.append((time.perf_counter(), e.text)) if isinstance(e, TextDelta) else None,
            )
            stamps = [t for t, _ in events]
            our_ttft.append(stamps[0] - start)
            our_tps.append((len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0)
    r_tps, o_tps = statistics.median(raw_tps), statistics.median(our_tps)
    r_ttft, o_ttft = statistics.median(raw_ttft), statistics.median(our_ttft)
    results.append(("stream tokens/s", f"{o_tps:.1f}", f"raw {r_tps:.1f} → {o_tps / r_tps:.2f}×", "≥ 0.95×"))
    results.append(
        ("time to first token", f"{o_ttft * 1000:.1f} ms", f"raw {r_ttft * 1000:.1f} ms → {1000 * (o_ttft - r_ttft):+.1f} ms", "≤ +10 ms")
    )
    del raw, ours

    # -- peak memory ----------------------------------------------------------------------------
    bare_rss = peak_rss_mb([py, "-c", RAW_PROCESS.format(threads=threads), str(model), QUESTION], env)
    ask_rss = peak_rss_mb([py, "-m", "bot", "ask", "--no-stream", QUESTION], env)
    results.append(("ask RSS, embedded", f"{ask_rss:.0f} MB", f"bare llama-cpp {bare_rss:.0f} MB → {ask_rss / bare_rss:.2f}×", "≤ 1.2×"))

    server = subprocess.Popen(
        [py, "-m", "tests.support.openai_server", "--port", "0"], env=env, cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().split()[1]
        oenv = dict(env, OPENAI_API_KEY="sk-bench-0000000000000000000000", OPENAI_BASE_URL=base_url)
        openai_rss = peak_rss_mb([py, "-m", "bot", "ask", "--no-stream", QUESTION], oenv)
    finally:
        server.terminate()
        server.wait()
    results.append(("ask RSS, openai", f"{openai_rss:.0f} MB", "local wire-format server", "≤ 120 MB"))

    width = max(len(r[0]) for r in results)
    print(f"\nbriefbot benchmarks · {threads} threads · {ROUNDS}×{len(PROMPTS)} prompts · {MAX_TOKENS} tokens each\n")
    print(f"{'measure':<{width}}  {'briefbot':>10}  {'compared with':<40} target")
    for name, value, comparison, target in results:
        print(f"{name:<{width}}  {value:>10}  {comparison:<40} {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
