"""Answer quality of the embedded model over the fixed question set, checked in code.

    .venv/bin/python bench/bench_answers.py [--set fixed|everyday] [--quick N] [--no-prefix-cache] [--json]

Every question of tests/grounding/questions.json (39, English and Korean; ``--set everyday``:
the 44 of tests/grounding/everyday.json, towns, named days and amounts, which the answer
path was not tuned on) goes through plan →
recorded fetch → pack → the real embedded model (few-shot, greedy) → the answer check, and
then the constrained retry or the program's answer where the check failed, exactly as
``briefbot ask`` does. Reported:

* traceable: answers shown with every number in the data (or derivable), % — the program
  path is traceable by construction, so this is also given for the model paths alone;
* asked figure: answers from the model or constrained path that state each source's main
  figure, % of the questions with data;
* language: answers in the question's language (Hangul in Korean answers, none in English);
* the path mix (model / model-constrained / program / no-data);
* seconds per answer (median, p95) and time to the first token, with the prefix cache on,
  and with it off when --no-prefix-cache is given (the two runs side by side).

Never run it while another CPU-heavy process runs: llama.cpp busy-waits with OpenMP.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.embedded_answer import answer_grounded  # noqa: E402
from bot.grounded import prepare_grounded_turn  # noqa: E402
from bot.llm.local_backend import LocalBackend  # noqa: E402
from bot.llm.model_file import resolve_model_path  # noqa: E402
from bot.paths import AppPaths  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402
from prompts.grounding import check_numbers  # noqa: E402
from prompts.verify import check_answer, in_language  # noqa: E402
from tests.grounding.everyday_payloads import EVERYDAY_BUILDERS  # noqa: E402
from tests.grounding.qset import QUESTIONS_FILE, RecordedFetcher, load_questions  # noqa: E402

# name -> (questions file, payload builders for the generated answers it uses)
QUESTION_SETS = {
    "fixed": (QUESTIONS_FILE, None),
    "everyday": (REPO / "tests" / "grounding" / "everyday.json", EVERYDAY_BUILDERS),
}



@dataclass
class Row:
    qid: str
    lang: str
    source: str  # model | model-constrained | program | no-data
    answer: str
    traceable: bool
    asked_figure: bool
    in_language: bool
    seconds: float


def run(backend: LocalBackend, limit: int | None, question_set: str = "fixed") -> list[Row]:
    settings = Settings()
    path, builders = QUESTION_SETS[question_set]
    rows: list[Row] = []
    for q in load_questions(path)[:limit]:
        fetcher = RecordedFetcher(q.data, q.now, builders) if builders else RecordedFetcher(q.data, q.now)
        turn = prepare_grounded_turn(q.q, settings=settings, fetcher=fetcher, now=q.now)
        if not turn.packed.sources:
            # No data at all: the program says so without a model call (see bot.answering).
            rows.append(Row(q.id, q.lang, "no-data", "", True, True, True, 0.0))
            continue
        started = time.perf_counter()
        out = answer_grounded(backend, turn.packed, q.q, turn.lang)
        seconds = time.perf_counter() - started
        text = out.reply.text
        check = check_answer(text, turn.packed)
        rows.append(Row(
            q.id, q.lang, out.source, text,
            traceable=not check_numbers(text, turn.packed),
            asked_figure=out.source != "program" and not check.missing,
            in_language=in_language(text, q.lang),
            seconds=seconds,
        ))
    return rows


def first_token_seconds(backend: LocalBackend) -> float:
    """Time to the first token of a warm few-shot prompt (the prefix already evaluated)."""
    from prompts.fewshot import prefix

    prompt = prefix("en") + "Data:\n## USD/KRW rate · Frankfurter (ECB)\nrate: 1400.00 KRW per 1 USD\nQuestion: USD to KRW?\nAnswer:"
    backend.complete_text(prompt, max_tokens=1, stop=["\n"])  # warm: the prefix is now cached
    started = time.perf_counter()
    backend.complete_text(prompt.replace("1400.00", "1401.00"), max_tokens=1, stop=["\n"])
    return time.perf_counter() - started


def summary(rows: list[Row], label: str) -> dict[str, object]:
    answered = [r for r in rows if r.source != "no-data"]
    by_model = [r for r in answered if r.source in ("model", "model-constrained")]
    seconds = sorted(r.seconds for r in answered) or [0.0]
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    mix = {s: sum(1 for r in rows if r.source == s) for s in ("model", "model-constrained", "program", "no-data")}
    return {
        "run": label,
        "questions": len(rows),
        "with_data": len(answered),
        "traceable_pct": 100.0 * sum(r.traceable for r in rows) / max(1, len(rows)),
        "traceable_model_paths_pct": 100.0 * sum(r.traceable for r in by_model) / max(1, len(by_model)),
        "asked_figure_pct": 100.0 * sum(r.asked_figure for r in answered) / max(1, len(answered)),
        "language_pct": 100.0 * sum(r.in_language for r in answered) / max(1, len(answered)),
        "paths": mix,
        "median_s": statistics.median(seconds),
        "p95_s": p95,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=sorted(QUESTION_SETS), default="fixed", help="the question set")
    parser.add_argument("--quick", type=int, metavar="N", help="only the first N questions")
    parser.add_argument("--no-prefix-cache", action="store_true", help="also run with the prefix cache off")
    parser.add_argument("--json", action="store_true", help="print the summaries as JSON")
    parser.add_argument("--answers", action="store_true", help="print every answer")
    args = parser.parse_args()

    env = dict(os.environ)
    settings = load_settings(env).settings  # BRIEFBOT_LOCAL_MODEL_PATH, BRIEFBOT_LOCAL_THREADS, ...
    paths = AppPaths.from_env(env)
    model = resolve_model_path(settings.local_model_path, paths.models_dir, lambda line: print(line, file=sys.stderr))
    backend = LocalBackend(model, model_name="gemma-3-270m", n_ctx=settings.local_context, n_threads=settings.local_threads)
    results = []
    try:
        ttft = first_token_seconds(backend)
        rows = run(backend, args.quick, args.set)
        results.append({**summary(rows, "prefix cache on"), "first_token_s": ttft})
        if args.no_prefix_cache:
            backend.prefix_cache = False
            results.append(summary(run(backend, args.quick, args.set), "prefix cache off"))
    finally:
        backend.close()
    if args.answers or not args.json:
        for r in rows:
            mark = "ok " if r.traceable and (r.asked_figure or r.source in ("program", "no-data")) else "BAD"
            print(f"{mark} {r.qid:<22} {r.source:<17} {r.seconds:5.2f}s  {r.answer[:150]}")
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for s in results:
            print(f"\n[{s['run']}] {s['questions']} questions, {s['with_data']} with data")
            print(f"  traceable: {s['traceable_pct']:.1f}% of answers shown ({s['traceable_model_paths_pct']:.1f}% of model-path answers)")
            print(f"  asked figure (model paths): {s['asked_figure_pct']:.1f}%   in the question's language: {s['language_pct']:.1f}%")
            print(f"  paths: {s['paths']}")
            print(f"  seconds per answer: median {s['median_s']:.2f}, p95 {s['p95_s']:.2f}"
                  + (f"; first token {s['first_token_s'] * 1000:.0f} ms" if "first_token_s" in s else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
