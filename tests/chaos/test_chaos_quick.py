"""Chaos, quick form: seeded fault schedules over real `briefbot fetch`/`context` runs, invariants in code.

Each run is a real process against :class:`tests.support.fault_upstream.FaultUpstream`, all
runs sharing one scratch HOME (so the cache, stale fallback and concurrent-safe writes are
exercised too). The seed is printed; replay a failure with ``BRIEFBOT_CHAOS_SEED=<seed>``.
``BRIEFBOT_CHAOS_RUNS`` sets the number of runs (default 50).

Invariants checked after every run:

* the exit code is 0 or a documented connector code (31-38), never 1, and no traceback;
* no canary key in stdout, stderr, or any file written; the other host got no request at all;
* no escape sequence on stdout or stderr;
* every cache file is strict JSON (no NaN/Infinity) and every cached record re-validates.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.conftest import scratch_env
from tests.support.chaos_checks import AV_KEY, CG_KEY, cache_problems, chaos_seed, file_leaks, output_problems
from tests.support.fault_upstream import FaultUpstream

# A data command can only succeed or fail the way a data source does (31-38).
DOCUMENTED = {0, 31, 32, 33, 34, 35, 36, 37, 38}
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("fetch", "fx", "base=USD", "symbols=EUR"),
    ("fetch", "crypto", "market=KRW-BTC", "days=2"),
    ("fetch", "crypto", "coin=bitcoin", "days=1"),
    ("fetch", "stocks", "symbol=AAPL", "days=5", "provider=yahoo"),
    ("fetch", "stocks", "symbol=MSFT", "days=0", "provider=alphavantage"),
    ("fetch", "weather", "place=Enschede"),
    ("fetch", "air", "place=Enschede"),
    ("context", "How much is 100 USD in EUR?"),
    ("context", "What is the bitcoin price on Upbit?"),
    ("context", "How is AAPL stock doing?"),
)


def test_seeded_fetch_runs_keep_every_invariant(tmp_path: Path) -> None:
    seed = chaos_seed()
    runs = int(os.environ.get("BRIEFBOT_CHAOS_RUNS") or 50)
    print(f"chaos seed {seed} ({runs} runs); replay with BRIEFBOT_CHAOS_SEED={seed}")
    order = random.Random(seed)
    violations: list[str] = []
    exits: Counter[int] = Counter()
    with FaultUpstream(seed, stall_seconds=1.5) as upstream:
        env = scratch_env(
            tmp_path, BRIEFBOT_HTTP_REWRITE=upstream.rewrite(), BRIEFBOT_HTTP_TIMEOUT="0.3",
            BRIEFBOT_HTTP_DEADLINE="1.0", ALPHAVANTAGE_API_KEY=AV_KEY, COINGECKO_API_KEY=CG_KEY,
        )
        for i in range(runs):
            args = list(order.choice(COMMANDS))
            if order.random() < 0.5 and args[0] == "fetch":
                args.append("--no-cache")  # else a fresh cache entry answers; half the runs test that
            done = subprocess.run(
                [sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
            )
            exits[done.returncode] += 1
            label = f"run {i} ({' '.join(args)}): exit {done.returncode}"
            if done.returncode not in DOCUMENTED:
                violations.append(f"{label}, undocumented: {done.stderr.strip()[-300:]}")
            violations.extend(output_problems(label, done.stdout, done.stderr, (AV_KEY, CG_KEY)))
        violations.extend(file_leaks(tmp_path, (AV_KEY, CG_KEY)))
        violations.extend(f"cache: {p}" for p in cache_problems(tmp_path / "cache"))
        violations.extend(f"another host was reached: {r[:120]}" for r in upstream.sink_requests)
        print(f"faults injected by kind: {dict(sorted(upstream.injected.items()))}")
        print(f"exit codes: {dict(sorted(exits.items()))}; requests: {len(upstream.log)}; violations: {len(violations)}")
    assert upstream.injected["ok"] and len(upstream.injected) >= 10  # the schedule really varied
    assert not violations, f"seed {seed}:\n" + "\n".join(violations)
