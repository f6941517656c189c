"""Context packing: tokens of the packed context vs the raw API payloads, over the fixed set.

    .venv/bin/python bench/bench_context.py

For every question in tests/grounding/questions.json that fetches data: the packed context
(plan → the real connectors over recorded upstream answers → pack) against the upstream
answers those very requests got, as compact JSON (what a naive tool loop hands the model). Target: ≤ 10% overall. The check
that 100% of each question's needed facts are present runs in code here too, so a smaller
context cannot win by dropping facts. Also measured: token counting speed (tokens/s) with
the real tiktoken encoding. Runs in a few seconds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.grounded import prepare_grounded_turn  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.tokens import count_text  # noqa: E402
from tests.grounding.payload_records import raw_payload_json  # noqa: E402
from tests.grounding.qset import RecordedFetcher, load_questions  # noqa: E402

TARGET_RATIO = 0.10


def main() -> int:
    settings = Settings(model="gpt-4o-mini")  # o200k_base, the encoding of the default OpenAI model
    model = settings.resolved_model()
    rows: list[tuple[str, int, int, int, int]] = []
    missing_total: list[str] = []
    needed_total = 0
    corpus_parts: list[str] = []
    for q in load_questions():
        fetcher = RecordedFetcher(q.data, q.now)
        turn = prepare_grounded_turn(q.q, settings=settings, fetcher=fetcher, now=q.now)
        needed_total += len(q.facts)
        missing_total.extend(f"{q.id}: {f}" for f in q.facts if f not in turn.packed.text)
        if not fetcher.exchanges:
            continue  # nothing fetched: no raw baseline to compare with
        # The bodies the connectors actually got for this plan's requests (same params).
        raw = raw_payload_json(fetcher.exchanges)
        corpus_parts.append(raw)
        rows.append((q.id, count_text(raw, model), turn.packed.tokens, len(q.facts), turn.packed.level))

    print(f"{'question':<24}{'raw JSON':>10}{'packed':>8}{'ratio':>8}  facts  level")
    for qid, raw_t, packed_t, nfacts, level in rows:
        print(f"{qid:<24}{raw_t:>10}{packed_t:>8}{packed_t / raw_t:>8.1%}  {nfacts:>5}  {level:>5}")
    raw_sum = sum(r[1] for r in rows)
    packed_sum = sum(r[2] for r in rows)
    ratio = packed_sum / raw_sum
    print(f"\nall {len(rows)} questions with data: raw {raw_sum} tokens, packed {packed_sum} tokens, "
          f"ratio {ratio:.1%} (target <= {TARGET_RATIO:.0%}): {'OK' if ratio <= TARGET_RATIO else 'MISSED'}")
    big = [r for r in rows if r[1] >= 2000]
    if big:
        big_ratio = sum(r[2] for r in big) / sum(r[1] for r in big)
        print(f"questions whose raw payload >= 2000 tokens ({len(big)}): ratio {big_ratio:.1%}")
    present = needed_total - len(missing_total)
    print(f"needed facts present: {present}/{needed_total} ({present / needed_total:.0%})")
    for m in missing_total:
        print(f"  MISSING {m}")

    # Token counting speed on realistic text: all packed contexts and raw payloads, repeated.
    corpus = "\n".join(dict.fromkeys(corpus_parts)) * 20
    count_text("warm up", model)
    start = time.perf_counter()
    n = count_text(corpus, model)
    elapsed = time.perf_counter() - start
    print(f"token counting: {n} tokens in {elapsed * 1000:.0f} ms = {n / elapsed:,.0f} tokens/s ({model})")
    return 0 if not missing_total else 1


if __name__ == "__main__":
    sys.exit(main())
