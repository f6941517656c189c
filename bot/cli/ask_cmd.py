"""``briefbot ask``: one question, one answer, streamed to stdout."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from bot.app import App
from bot.cli.common import add_llm_flags, apply_llm_flags, open_backend, open_store, resolve_persona
from bot.errors import ConnectorError, UsageError

if TYPE_CHECKING:
    from bot.grounded import GroundedTurn


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "ask",
        help="ask one question (read from stdin when piped)",
        description="Ask one question. The answer streams to stdout; with --json one JSON object is printed.",
    )
    p.add_argument("question", nargs="*", help="the question; omitted or '-': read from stdin")
    p.add_argument("--no-stream", action="store_true", help="print the answer when it is complete")
    p.add_argument("--json", action="store_true", help='print {"answer", "model", "usage", "sources", "failures", ...}')
    p.add_argument("--plan", action="store_true", help="print which data sources the question needs; fetch nothing, ask nothing")
    p.add_argument("--no-sources", action="store_true", help="do not print the sources block after the answer")
    p.add_argument("--no-data", action="store_true", help="answer without fetching live data")
    add_llm_flags(p)
    p.set_defaults(handler=run)


def read_question(args: argparse.Namespace, app: App) -> str:
    words = [w for w in args.question if w != "-"]
    if words:
        question = " ".join(words)
    elif not app.stdin_is_tty:
        question = app.stdin.read()
    else:
        raise UsageError("no question given", hint='briefbot ask "서울 날씨 어때?"  or  echo "question" | briefbot ask')
    question = question.strip()
    if not question:
        raise UsageError("the question is empty", hint='briefbot ask "What is the weather in Seoul?"')
    return question


def run(args: argparse.Namespace, app: App) -> int:
    from bot.chat.costs import CostGuard
    from bot.chat.grounding import TurnGrounder, no_data_answer, unverified_warning
    from bot.chat.session import ChatSession
    from bot.llm.events import TextDelta

    question = read_question(args, app)
    if args.plan:
        return print_plan(question, app, as_json=args.json)
    apply_llm_flags(args, app)
    if args.no_data:
        app.override(grounding=False)
    settings = app.settings
    persona = resolve_persona(app, settings.persona)
    backend = open_backend(app)
    try:
        with open_store(app) as store:
            guard = CostGuard(settings, store, backend)
            session = ChatSession(backend, settings, store, persona=persona, extra_system=settings.system_prompt, kind="ask")
            streaming = not args.no_stream and not args.json
            grounder = TurnGrounder(app, backend, guard)
            turn = grounder.prepare(question)

            def show(event: object) -> None:
                if isinstance(event, TextDelta):
                    app.out(event.text, end="", flush=True)

            program_answer = no_data_answer(turn) if turn else None
            if program_answer is not None:
                result = session.answer_from_program(question, program_answer)
                if streaming:
                    app.out(program_answer, end="", flush=True)
            else:
                result = session.ask(
                    question,
                    stream=streaming,
                    on_event=show,
                    guard=guard,
                    context=grounder.context_for_model(turn) if turn else None,
                )
    finally:
        backend.close()
    reply = result.reply
    notes = grounder.notes(turn, reply.text) if turn else None
    if args.json:
        app.out(
            json.dumps(
                {
                    "answer": reply.text,
                    "model": reply.model,
                    "status": reply.status,
                    "usage": None
                    if reply.usage is None
                    else {
                        "prompt_tokens": reply.usage.prompt_tokens,
                        "completion_tokens": reply.usage.completion_tokens,
                        "total_tokens": reply.usage.total_tokens,
                        "estimated": reply.usage.estimated,
                    },
                    "cost_usd": result.cost_usd,
                    "sources": notes.sources if notes else [],
                    "failures": [f.to_json() for f in turn.failures] if turn else [],
                    "unverified_numbers": notes.unverified_numbers if notes else [],
                    "conversation_id": session.conversation_id,
                },
                ensure_ascii=False,
            )
        )
    else:
        app.out("" if streaming else reply.text)
        if notes is not None and turn is not None:
            if not args.no_sources:
                app.out("")
                app.out(notes.sources_block)
            if notes.unverified_numbers:
                app.err(unverified_warning(notes.unverified_numbers, turn.lang))
    if reply.status == "incomplete" and result.error is None:
        app.err("[answer incomplete: stopped before the end; the partial answer was kept in history]")
    if result.error is not None:
        if reply.text:
            app.err("[the answer broke off; the partial answer was kept in history]")
        raise result.error
    if program_answer is not None and turn is not None:
        # Answered, but without data: a script must be able to tell (the source's exit code).
        raise no_data_error(turn)
    return 0


def no_data_error(turn: GroundedTurn) -> ConnectorError:
    """The first failure's own error class (31 unavailable, 33 not found, ...), as ``fetch`` exits."""
    from connectors import errors

    failure = turn.failures[0]
    cls = getattr(errors, failure.error, None)
    if not (isinstance(cls, type) and issubclass(cls, ConnectorError)):
        cls = errors.SourceUnavailable
    return cls(f"none of the data this question needs could be fetched ({', '.join(f.describe() for f in turn.failures)})")


def print_plan(question: str, app: App, *, as_json: bool) -> int:
    from bot.planner.rules import plan_question

    plan = plan_question(question)
    app.out(json.dumps(plan.to_json(), ensure_ascii=False) if as_json else plan.describe())
    return 0
