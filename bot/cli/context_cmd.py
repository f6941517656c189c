"""``briefbot context "question" [--json] [--plan]``: the packed data context for a question.

Runs plan → fetch → pack without any model, and prints the context the model would receive
and its exact token count. ``--json`` prints exactly ``{"context", "tokens", "budget",
"sources"}``. ``--plan`` prints the plan only (no fetching); with ``--json`` as one object.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.app import App
from bot.errors import UsageError


def register(sub: Any) -> None:  # argparse._SubParsersAction; private type
    parser = sub.add_parser(
        "context",
        help="show the packed data context (and its token count) for a question",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument("question", help="the question, in English or Korean")
    parser.add_argument("--json", dest="as_json", action="store_true", help='print {"context", "tokens", "budget", "sources"}')
    parser.add_argument("--plan", action="store_true", help="print the plan only; fetch nothing")
    parser.add_argument("--budget", type=int, help="token budget for the context (default: BRIEFBOT_CONTEXT_BUDGET)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, app: App) -> int:
    question = str(args.question).strip()
    if not question:
        raise UsageError("the question is empty", hint='briefbot context "서울 날씨 어때?"')
    if args.budget is not None:
        if args.budget < 100:
            raise UsageError(f"--budget {args.budget} is too small", hint="use 100 tokens or more")
        app.override(context_budget_tokens=args.budget)

    if args.plan:
        from bot.planner.rules import plan_question

        plan = plan_question(question)
        app.out(json.dumps(plan.to_json(), ensure_ascii=False) if args.as_json else plan.describe())
        return 0

    from bot.grounded import prepare_grounded_turn

    turn = prepare_grounded_turn(question, settings=app.settings, cache_dir=app.paths.http_cache_dir, env=app.env,
                                 redactor=app.redactor)
    packed = turn.packed
    if args.as_json:
        payload = {
            "context": packed.text,
            "tokens": packed.tokens,
            "budget": packed.budget,
            "sources": [s.to_json() for s in packed.sources],
        }
        app.out(json.dumps(payload, ensure_ascii=False))
        return 0
    app.out(packed.text)
    app.out()
    app.out(f"tokens: {packed.tokens} / budget {packed.budget} ({turn.plan.lang}, {len(turn.plan.steps)} source(s) planned"
            f"{', ' + str(len(turn.failures)) + ' failed' if turn.failures else ''})")
    return 0
