"""Discord webhooks: 2,000-character messages, ``?wait=true`` for ids, charts attached.

Discord renders its own Markdown and pings mentions, so the text is escaped (``*_~`|\\``)
and ``allowed_mentions`` is empty: data can neither format the message nor ping anyone.
A chart goes as its own message with the PNG attached (multipart: ``payload_json`` and
``files[0]``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.briefs.deliver.fields import DeliverFields
from bot.briefs.deliver.protocol import (
    Accepted, Attachment, Part, Refused, Retry, SendOutcome, destination_key, masked_url,
)
from bot.briefs.deliver.responses import is_transient, json_object, redirect_detail, retry_after_header, seconds
from bot.briefs.deliver.splitting import split_message
from bot.briefs.document import BriefDocument
from connectors.http import HttpClient

CONTENT_LIMIT = 2000
NO_MENTIONS: dict[str, list[str]] = {"parse": []}  # data can never ping @everyone or a role


@dataclass(frozen=True)
class DiscordTarget:
    url: str = field(repr=False)
    kind: str = "discord"
    pace: float = 0.5  # webhooks allow 5 requests per 2 seconds

    @classmethod
    def parse(cls, fields: DeliverFields) -> DiscordTarget:
        fields.check_keys(("url",))
        return cls(fields.url("url", variable="DISCORD_WEBHOOK_URL", must_be_secret=True))

    def describe(self) -> str:
        return f"discord {masked_url(self.url)}"

    def key(self) -> str:
        return destination_key(self.kind, self.url)

    def secrets(self) -> list[str]:
        return [self.url]

    def plan(self, doc: BriefDocument, *, now: datetime) -> list[Part]:
        parts = [
            Part(body=json.dumps({"content": text, "allowed_mentions": NO_MENTIONS}, ensure_ascii=False))
            for text in split_message(escape_markdown(doc.plain_text()), CONTENT_LIMIT)
        ]
        for chart in doc.charts:
            filename = f"{chart.name}.png"
            payload = {
                "content": escape_markdown(chart.title)[:CONTENT_LIMIT],
                "allowed_mentions": NO_MENTIONS,
                "attachments": [{"id": 0, "filename": filename, "description": chart.title[:1024]}],
            }
            parts.append(Part(body=json.dumps(payload, ensure_ascii=False), attachment=Attachment(filename, chart.png)))
        return parts

    def send(self, part: Part, *, message_id: str, http: HttpClient) -> SendOutcome:
        url = with_wait(self.url)
        if part.attachment is None:
            response = http.post(
                url, source="Discord", body=part.body.encode("utf-8"), headers={"Content-Type": "application/json"}
            )
        else:
            response = http.post(
                url, source="Discord", fields={"payload_json": part.body},
                files={"files[0]": (part.attachment.filename, part.attachment.png, "image/png")},
            )
        body = json_object(response)
        if response.ok:
            remote = body.get("id")
            return Accepted(str(remote) if remote is not None else None)
        if 300 <= response.status < 400:
            return Refused(redirect_detail(response))
        message = f"HTTP {response.status}: {response.upstream_message()}"
        if is_transient(response.status):
            # The body's retry_after (seconds, fractional) is more precise than the header.
            wait = seconds(body.get("retry_after"))
            return Retry(message, after=wait if wait is not None else retry_after_header(response))
        if response.status in (401, 404):
            return Refused(f"{message}; the webhook was deleted or its token is wrong: create a new one")
        return Refused(message)


def with_wait(url: str) -> str:
    """The URL with ``wait=true``: only then does Discord answer with the created message."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "wait"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("wait", "true")])))


def escape_markdown(text: str) -> str:
    return re.sub(r"([\\*_~`|])", r"\\\1", text)
