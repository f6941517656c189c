"""``briefbot ask``: one question, one answer, streamed to stdout."""

from __future__ import annotations

import argparse
import json

from bot.app import App
from bot.cli.common import add_llm_flags, apply_llm_flags, open_backend, open_store, resolve_persona
from bot.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "ask",
        help="ask one question (read from stdin when piped)",
        description="Ask one question. The answer streams to stdout; with --json one JSON object is printed.",
    )
    p.add_argument("question", nargs="*", help="the question; omitted or '-': read from stdin")
    p.add_argument("--no-stream", action="store_true", help="print the answer when it is complete")
    p.add_argument("--json", action="store_true", help='print {"answer", "model", "usage", "sources", ...}')
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
    from bot.chat.session import ChatSession
    from bot.llm.events import TextDelta

    question = read_question(args, app)
    apply_llm_flags(args, app)
    settings = app.settings
    persona = resolve_persona(app, settings.persona)
    backend = open_backend(app)
    with open_store(app) as store:
        guard = CostGuard(settings, store, backend)
        session = ChatSession(backend, settings, store, persona=persona, extra_system=settings.system_prompt, kind="ask")
        streaming = not args.no_stream and not args.json

        def show(event: object) -> None:
            if isinstance(event, TextDelta):
                app.out(event.text, end="", flush=True)

        result = session.ask(
            question,
            stream=streaming,
            on_event=show,
            guard=guard,
        )
    backend.close()
    reply = result.reply
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
                    "sources": [],
                    "conversation_id": session.conversation_id,
                },
                ensure_ascii=False,
            )
        )
    elif streaming:
        app.out("")
    else:
        app.out(reply.text)
    if reply.status == "incomplete" and result.error is None:
        app.err("[answer incomplete: stopped before the end; the partial answer was kept in history]")
    if result.error is not None:
        if reply.text:
            app.err("[the answer broke off; the partial answer was kept in history]")
        raise result.error
    return 0
