"""Delivery targets of a brief and the one call that delivers a document to all of them.

    parse_target(table, env=, where=)   one [[NAME.deliver]] table -> a DeliveryTarget
    deliver_all(doc, targets, ...)      send through the outbox; one DeliveryReport each
    delivery_reports(db_path, run_key)  the same reports later, from the database

Kinds: markdown (archive file), webhook (Standard Webhooks), slack, discord, telegram.
How a part is kept from being sent twice is told in :mod:`bot.briefs.deliver.outbox`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.briefs.deliver.discord import DiscordTarget
from bot.briefs.deliver.fields import DeliverFields
from bot.briefs.deliver.markdown import MarkdownTarget
from bot.briefs.deliver.outbox import DeliveryReport, Outbox, open_outbox
from bot.briefs.deliver.protocol import DeliveryTarget
from bot.briefs.deliver.sending import DeliveryPolicy, deliver_targets
from bot.briefs.deliver.slack import SlackTarget
from bot.briefs.deliver.telegram import TelegramTarget
from bot.briefs.deliver.webhook import WebhookTarget
from bot.briefs.document import BriefDocument
from bot.errors import BriefDefinitionError
from connectors.http import HttpClient

__all__ = ["DeliveryReport", "DeliveryTarget", "deliver_all", "delivery_reports", "parse_target", "TARGET_KINDS"]

_PARSERS: dict[str, Callable[[DeliverFields], DeliveryTarget]] = {
    "markdown": MarkdownTarget.parse,
    "webhook": WebhookTarget.parse,
    "slack": SlackTarget.parse,
    "discord": DiscordTarget.parse,
    "telegram": TelegramTarget.parse,
}
TARGET_KINDS = tuple(_PARSERS)


def parse_target(table: Mapping[str, Any], *, env: Mapping[str, str], where: str) -> DeliveryTarget:
    """Validate one ``[[NAME.deliver]]`` table; raise BriefDefinitionError naming field and fix."""
    kind = table.get("to")
    if kind is None:
        raise BriefDefinitionError(
            f"{where}: `to` is missing", hint=f'say where to deliver: to = "{" | ".join(TARGET_KINDS)}"'
        )
    if not isinstance(kind, str) or kind not in _PARSERS:
        raise BriefDefinitionError(
            f"{where}: `to` = {kind!r} is not a delivery kind", hint=f"use one of: {', '.join(TARGET_KINDS)}"
        )
    return _PARSERS[kind](DeliverFields(table, env=env, where=where, kind=kind))


def deliver_all(
    doc: BriefDocument,
    targets: Sequence[DeliveryTarget],
    *,
    db_path: Path,
    http: HttpClient,
    sleep: Callable[[float], None] = time.sleep,
    policy: DeliveryPolicy | None = None,
) -> list[DeliveryReport]:
    """Deliver ``doc`` to every target; parts already accepted for ``doc.run_key`` are skipped."""
    conn = open_outbox(db_path)
    try:
        return deliver_targets(
            doc, targets, outbox=Outbox(conn, db_path), http=http, sleep=sleep, policy=policy or DeliveryPolicy()
        )
    finally:
        conn.close()


def delivery_reports(db_path: Path, run_key: str) -> list[DeliveryReport]:
    """What ``deliver_all`` reported for ``run_key``, rebuilt from the outbox (empty if none)."""
    if not db_path.exists():
        return []
    conn = open_outbox(db_path)
    try:
        return Outbox(conn, db_path).reports(run_key)
    finally:
        conn.close()
