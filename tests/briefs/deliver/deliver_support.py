"""Helpers for delivery tests: an HttpClient pointed at the receivers, their env, a brief document."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deliver_receivers import DISCORD_PATH, SLACK_PATH, TELEGRAM_TOKEN, WEBHOOK_SECRET, Receivers

from bot.briefs.document import BriefDocument, Chart
from bot.redact import Redactor
from connectors.http import HttpClient

# A PNG header is enough for targets that only carry the bytes along.
TINY_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class RecordedSleep:
    """Stands in for time.sleep: records each wait instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_http(receivers: Receivers) -> HttpClient:
    return make_http_for_url(receivers.url)


def make_http_for_url(url: str) -> HttpClient:
    """The client deliveries use; Telegram's API host is rewritten to the receivers."""
    return HttpClient(
        timeout=5.0, deadline=30.0, rewrite=f"https://api.telegram.org={url}",
        redactor=Redactor(), clock=time.monotonic, sleep=time.sleep, now=lambda: datetime.now(UTC),
    )


def delivery_env(receivers: Receivers | str) -> dict[str, str]:
    url = receivers if isinstance(receivers, str) else receivers.url
    return {
        "SLACK_WEBHOOK_URL": url + SLACK_PATH,
        "DISCORD_WEBHOOK_URL": url + DISCORD_PATH,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "WEBHOOK_URL": url + "/hooks/briefs",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


def target_tables(url: str, archive: Path) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """(env, [[NAME.deliver]] tables) for one destination of every kind, at the receivers."""
    tables: list[dict[str, Any]] = [
        {"to": "markdown", "path": str(archive / "{date}-{time}-{name}.md")},
        {"to": "slack", "url": "${SLACK_WEBHOOK_URL}"},
        {"to": "discord", "url": "${DISCORD_WEBHOOK_URL}"},
        {"to": "telegram", "token": "${TELEGRAM_BOT_TOKEN}", "chat_id": "-1001234567890"},
        {"to": "webhook", "url": "${WEBHOOK_URL}", "secret": "${WEBHOOK_SECRET}"},
    ]
    return delivery_env(url), tables


SECRETS = (SLACK_PATH.rsplit("/", 1)[1], DISCORD_PATH.rsplit("/", 1)[1], TELEGRAM_TOKEN, WEBHOOK_SECRET,
           WEBHOOK_SECRET.removeprefix("whsec_"))


def long_document(paragraphs: int = 12, *, run_key: str = "morning/2026-11-30T22:00Z") -> BriefDocument:
    """A brief whose text needs several messages on Discord (and data full of Markdown syntax)."""
    summary = "\n\n".join(
        f"Paragraph {i} of {run_key}: KRW-BTC closed at 162,876,000 KRW (+1.2%); USD/KRW 1,380.52; "
        f"005930.KS 72,400 KRW. Symbols that break naive Markdown: _*[]()~`>#+-=|{{}}.! @everyone "
        + "x" * 150
        for i in range(1, paragraphs + 1)
    )
    return BriefDocument(
        brief="morning", run_key=run_key, title="morning · 2026-12-01 07:00 KST", language="en",
        slot_utc=datetime.fromisoformat(run_key.split("/", 1)[1].replace("Z", "+00:00")), summary=summary,
        figures="Seoul: 3.2 °C, clear\nUSD/KRW: 1,380.52 (Frankfurter, 2026-11-30)",
        missing=["stocks symbol=005930.KS: Yahoo Finance did not answer (HTTP 503)"],
        charts=[Chart(name="krw-btc-30d", title=f"KRW-BTC · 30d close (KRW) · {run_key}", png=TINY_PNG)],
        sparklines=["KRW-BTC 30d ▁▂▃▅▇ 162,876,000 KRW"], timezone="Asia/Seoul",
    )
