"""``briefbot history list | show ID | export [--format json|md] [ID] | delete ID``.

The store is imported inside :func:`run`, so ``briefbot --help`` does not pay for sqlite.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.app import App

if TYPE_CHECKING:
    from bot.store import ConversationInfo, HistoryStore, StoredMessage


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "history",
        help="list, show, export or delete stored conversations",
        description="Stored conversations (SQLite file: BRIEFBOT_HISTORY_DB, or history.sqlite3 in the data dir).",
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


def run(args: argparse.Namespace, app: App) -> int:
    from bot.store import HistoryStore

    with HistoryStore.open(history_path(app)) as store:
        action = args.history_action or "list"
        if action == "list":
            _list(app, store, args.limit)
        elif action == "show":
            _show(app, store, args.id)
        elif action == "export":
            _export(app, store, args.id, args.format)
        elif action == "delete":
            info = store.conversation(args.id)
            store.delete_conversation(args.id)
            app.out(f"deleted conversation {info.id} ({_label(info)}, {info.message_count} messages)")
    return 0


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _label(info: ConversationInfo) -> str:
    if info.title:
        return info.title
    return f"“{info.preview}”" if info.preview else "(empty)"


def _list(app: App, store: HistoryStore, limit: int) -> None:
    rows = store.conversations(limit=limit)
    if not rows:
        app.out(f"no conversations yet (history file: {store.path})")
        return
    header = ("id", "updated", "model", "persona", "msgs", "title")
    table = [header] + [
        (str(c.id), _when(c.updated_at), c.model, c.persona or "-", str(c.message_count), _label(c))
        for c in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        cells = [cell.rjust(w) if i in (0, 4) else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        app.out("  ".join(cells) + "  " + row[-1])


def _marker(message: StoredMessage) -> str:
    if message.status == "incomplete":
        return " [INCOMPLETE: the reply was cut off]"
    if message.status == "error":
        return " [ERROR" + (f": {message.error}" if message.error else "") + "]"
    return ""


def _show(app: App, store: HistoryStore, conversation_id: int) -> None:
    info = store.conversation(conversation_id)
    app.out(f"conversation {info.id}: {_label(info)}")
    app.out(
        f"model {info.model} · persona {info.persona or '-'} · {info.message_count} messages"
        f" · started {_when(info.created_at)} · updated {_when(info.updated_at)}"
    )
    for message in store.messages(conversation_id):
        who = message.role + (f" ({message.model})" if message.model else "")
        app.out("")
        app.out(f"── {who} · {_when(message.created_at)}{_marker(message)}")
        app.out(message.content)


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
            {"role": m.role, "content": m.content, "status": m.status, "created_at": m.created_at.isoformat()}
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
            lines += ["", f"> **{m.status.upper()}**" + (f": {m.error}" if m.error else "")]
        lines += ["", m.content]
    return "\n".join(lines)
