"""``briefbot chat``: the interactive (or scripted, via stdin) conversation."""

from __future__ import annotations

import argparse

from bot.app import App
from bot.cli.common import add_llm_flags, apply_llm_flags, open_backend, open_store, resolve_persona


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "chat",
        help="chat interactively (also reads messages from piped stdin)",
        description="Interactive chat. /help lists the commands. Ctrl-C cancels the turn in flight (fetching,"
        " waiting or mid-answer; the part shown is kept) and the chat goes on; Ctrl-D exits. The exit status is 0"
        " when every turn was answered, else the code of the first that was not (130 for a cancelled turn).",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--continue", dest="resume_last", action="store_true", help="resume the last conversation")
    which.add_argument("--conversation", type=int, metavar="ID", help="resume conversation ID (see `briefbot history list`)")
    add_llm_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, app: App) -> int:
    from bot.chat.costs import CostGuard
    from bot.chat.repl import ChatRepl
    from bot.chat.session import ChatSession

    apply_llm_flags(args, app)
    settings = app.settings
    persona = resolve_persona(app, settings.persona)
    with open_store(app) as store:
        conversation_id = args.conversation
        if args.resume_last:
            conversation_id = store.last_conversation_id()
            if conversation_id is None:
                app.err("[no earlier conversation; starting a new one]")
        if conversation_id is not None:
            store.conversation(conversation_id)  # a clear error before loading a model
        backend = open_backend(app)
        try:
            session = ChatSession(
                backend, settings, store, persona=persona, extra_system=settings.system_prompt, conversation_id=conversation_id
            )
            if conversation_id is not None:
                app.err(f"[resumed conversation {conversation_id}: {len(session.turns)} messages]")
            guard = CostGuard(settings, store, backend)
            repl = ChatRepl(app, session, guard)
            return repl.run()
        finally:
            backend.close()
