"""``briefbot ask``: one question, one answer, streamed to stdout."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from bot.app import App
from bot.cli.common import add_llm_flags, apply_llm_flags, open_backend, open_store, resolve_persona
from bot.cli.stdin_text import check_encodable, read_all
from bot.errors import EXIT_INTERRUPTED, UsageError

if TYPE_CHECKING:
    from bot.answering import Answer


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
        question = check_encodable(" ".join(words), "the question")
    elif not app.stdin_is_tty:
        question = read_all(app.stdin, "the question on stdin")
    else:
        raise UsageError("no question given", hint='briefbot ask "서울 날씨 어때?"  or  echo "question" | briefbot ask')
    question = question.strip()
    if not question:
        raise UsageError("the question is empty", hint='briefbot ask "What is the weather in Seoul?"')
    return question


def run(args: argparse.Namespace, app: App) -> int:
    from bot.answering import AnswerService
    from bot.chat.costs import CostGuard
    from bot.chat.grounding import unverified_warning
    from bot.chat.session import ChatSession
    from bot.cli.progress import AnswerDisplay

    question = read_question(args, app)
    if args.plan:
        return print_plan(question, app, as_json=args.json)
    apply_llm_flags(args, app)
    if args.no_data:
        app.override(grounding=False)
    settings = app.settings
    persona = resolve_persona(app, settings.persona)
    backend = open_backend(app)
    streaming = not args.no_stream and not args.json
    try:
        with open_store(app) as store:
            guard = CostGuard(settings, store, backend)
            session = ChatSession(backend, settings, store, persona=persona, extra_system=settings.system_prompt, kind="ask")

            display = AnswerDisplay(app, show_text=streaming)
            service = AnswerService(app, backend, session, guard)
            try:
                answer = service.answer(question, stream=streaming, on_event=display.on_event,
                                        on_status=display.status.update)
            finally:
                service.close()
                display.finish()
    finally:
        backend.close()
    reply, turn = answer.reply, answer.turn
    if args.json:
        app.out(json.dumps(as_json(answer, session.conversation_id), ensure_ascii=False))
    elif answer.cancelled:
        app.out("")
    else:
        app.out("" if streaming else reply.text)
        if answer.sources_block is not None and turn is not None:
            if not args.no_sources:
                app.out("")
                app.out(answer.sources_block)
            if answer.unverified_numbers:
                app.err(unverified_warning(answer.unverified_numbers, turn.lang))
    if answer.cancelled:
        kept = "the part shown was kept" if reply.text else "the question was kept"
        app.err(f"interrupted — {kept} in history, marked cancelled")
        return EXIT_INTERRUPTED
    result = answer.result
    if reply.status == "incomplete" and result.error is None:
        why = f"finish reason: {reply.finish_reason}" if reply.finish_reason else "it ended early"
        app.err(f"[answer incomplete ({why}); the partial answer was kept in history]")
    if result.error is not None and reply.text:
        app.err("[the answer broke off; the partial answer was kept in history]")
    failure = answer.failure()
    if failure is not None:
        # Answered without data, or the model failed: a script must be able to tell.
        raise failure
    return 0


def as_json(answer: Answer, conversation_id: int | None) -> dict[str, object]:
    reply, turn = answer.reply, answer.turn
    return {
        "answer": reply.text,
        "answer_source": answer.source,
        "model": reply.model,
        "status": reply.status,
        "cancelled": answer.cancelled,
        "usage": None
        if reply.usage is None
        else {
            "prompt_tokens": reply.usage.prompt_tokens,
            "completion_tokens": reply.usage.completion_tokens,
            "total_tokens": reply.usage.total_tokens,
            "estimated": reply.usage.estimated,
        },
        "cost_usd": answer.result.cost_usd,
        "sources": answer.sources,
        "failures": [f.to_json() for f in turn.failures] if turn else [],
        "unverified_numbers": answer.unverified_numbers,
        "conversation_id": conversation_id,
    }


def print_plan(question: str, app: App, *, as_json: bool) -> int:
    from bot.planner.rules import plan_question

    plan = plan_question(question)
    app.out(json.dumps(plan.to_json(), ensure_ascii=False) if as_json else plan.describe())
    return 0
