"""``briefbot history list | show ID | export [--format json|md] [ID] | delete ID``.

The store is imported inside :func:`run`, so ``briefbot --help`` does not pay for sqlite.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.app import App
from bot.localtime import DisplayZone

if TYPE_CHECKING:
    from bot.store import ConversationInfo, HistoryStore, StoredMessage


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "history",
        help="list, show, export or delete stored conversations",
        description="Stored conversations (SQLite file: BRIEFBOT_HISTORY_DB, or history.sqlite3 in the data dir)."
        " Times are shown in BRIEFBOT_TIMEZONE (default: the system zone); they are stored in UTC.",
    )
    actions = parser.add_subparsers(dest="history_action", metavar="ACTION")
    listing = actions.add_parser("list", help="recent conversations, newest first (the default)")
    listing.add_argument("-n", "--limit", type=int, default=20, help="how many to list (default 20)")
    show = actions.add_parser("show", help="print one conversation's transcript")
    show.add_argument("id", type=int, metavar="ID")
    export = actions.add_parser("export", help="print conversations as JSON or Markdown")
    export.add_argument("--format", choices=("json", "md"), default="json", help="json (default) or md")
    export.add_argument("id", type=int, nargs="?", metavar="ID", help="one conversation (default: all)")
    delete = actions.add_parser("delete", help="delete one conversation (its usage stays in the ledger)")
    delete.add_argument("id", type=int, metavar="ID")
    parser.set_defaults(handler=run, history_action=None, limit=20)


def history_path(app: App) -> Path:
    configured: Path | None = app.settings.history_db
    return configured or app.paths.history_db


def display_zone(app: App) -> DisplayZone:
    return DisplayZone.named(app.settings.timezone)


def run(args: argparse.Namespace, app: App) -> int:
    from bot.store import HistoryStore

    with HistoryStore.open(history_path(app)) as store:
        action = args.history_action or "list"
        if action == "list":
            _list(app, store, args.limit, display_zone(app))
        elif action == "show":
            _show(app, store, args.id, display_zone(app))
        elif action == "export":
            _export(app, store, args.id, args.format)
        elif action == "delete":
            info = store.conversation(args.id)
            store.delete_conversation(args.id)
            app.out(f"deleted conversation {info.id} ({_label(info)}, {info.message_count} messages)")
    return 0


def _label(info: ConversationInfo) -> str:
    if info.title:
        return info.title
    return f"“{info.preview}”" if info.preview else "(empty)"


def _list(app: App, store: HistoryStore, limit: int, zone: DisplayZone) -> None:
    rows = store.conversations(limit=limit)
    if not rows:
        app.out(f"no conversations yet (history file: {store.path})")
        return
    header = ("id", "updated", "model", "persona", "msgs", "title")
    table = [header] + [
        (str(c.id), zone.minute(c.updated_at), c.model, c.persona or "-", str(c.message_count), _label(c))
        for c in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        cells = [cell.rjust(w) if i in (0, 4) else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        app.out("  ".join(cells) + "  " + row[-1])


def _marker(message: StoredMessage) -> str:
    if message.cancelled:
        return " [CANCELLED with Ctrl-C" + (": the part shown]" if message.content else "]")
    if message.status == "incomplete":
        return " [INCOMPLETE: the reply was cut off]"
    if message.status == "error":
        return " [ERROR" + (f": {message.error}" if message.error else "") + "]"
    return ""


def _show(app: App, store: HistoryStore, conversation_id: int, zone: DisplayZone) -> None:
    info = store.conversation(conversation_id)
    app.out(f"conversation {info.id}: {_label(info)}")
    app.out(
        f"model {info.model} · persona {info.persona or '-'} · {info.message_count} messages"
        f" · started {zone.minute(info.created_at)} · updated {zone.minute(info.updated_at)}"
    )
    for message in store.messages(conversation_id):
        who = message.role + (f" ({message.model})" if message.model else "")
        persona = f" · persona {message.persona}" if message.persona else ""
        app.out("")
        app.out(f"── {who} · {zone.minute(message.created_at)}{persona}{_marker(message)}")
        app.out(message.content or ("(cancelled before any text was shown)" if message.cancelled else ""))
        if message.sources:
            app.out("sources:")
            for source in message.sources:
                app.out("  · " + describe_source(source))


def describe_source(source: dict[str, Any]) -> str:
    """One line per source an answer used: subject, source, as-of (in the data's own zone), figures."""
    head = " — ".join(str(source[k]) for k in ("subject", "source") if source.get(k))
    as_of = source.get("as_of_local") or source.get("as_of")
    line = head + (f", as of {as_of}" if as_of else "") + (" (stale)" if source.get("stale") else "")
    return line + (f": {source['figures']}" if source.get("figures") else "")


def _export(app: App, store: HistoryStore, conversation_id: int | None, fmt: str) -> None:
    if conversation_id is not None:
        infos = [store.conversation(conversation_id)]
    else:
        infos = sorted(store.conversations(limit=None), key=lambda c: c.id)  # archive order
    if fmt == "json":
        data = [_as_json(info, store.messages(info.id)) for info in infos]
        app.out(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for index, info in enumerate(infos):
        if index:
            app.out("\n---\n")
        app.out(_as_markdown(info, store.messages(info.id)))


def _as_json(info: ConversationInfo, messages: list[StoredMessage]) -> dict[str, Any]:
    return {
        "id": info.id,
        "title": info.title,
        "model": info.model,
        "persona": info.persona,
        "created_at": info.created_at.isoformat(),
        "updated_at": info.updated_at.isoformat(),
        "messages": [
            {
                "role": m.role, "content": m.content, "status": m.status, "created_at": m.created_at.isoformat(),
                **({"persona": m.persona, "cancelled": m.cancelled, "sources": list(m.sources)} if m.role == "assistant" else {}),
            }
            for m in messages
        ],
    }


def _as_markdown(info: ConversationInfo, messages: list[StoredMessage]) -> str:
    lines = [
        f"# Conversation {info.id}: {_label(info)}",
        "",
        f"- model: `{info.model}`",
        f"- persona: {info.persona or '-'}",
        f"- started: {info.created_at.isoformat()}",
        f"- updated: {info.updated_at.isoformat()}",
    ]
    for m in messages:
        lines += ["", f"## {m.role}" + (f" · `{m.model}`" if m.model else "") + f" · {m.created_at.isoformat()}"]
        if m.status != "complete":
            state = "CANCELLED" if m.cancelled else m.status.upper()
            lines += ["", f"> **{state}**" + (f": {m.error}" if m.error else "")]
        lines += ["", m.content]
        if m.persona:
            lines += ["", f"_persona: {m.persona}_"]
        if m.sources:
            lines += ["", "Sources:"] + [f"- {describe_source(s)}" for s in m.sources]
    return "\n".join(lines)
