"""Telegram Bot API: ``sendMessage`` in plain text, ``sendPhoto`` for charts.

No ``parse_mode``: MarkdownV2 must escape ``_*[]()~`>#+-=|{}.!`` and a single miss in
the data makes Telegram refuse the whole message. Plain text with an explicit ``bold``
entity for the title cannot break. Limits count UTF-16 code units (4,096 a message, 1,024
a photo caption). The token sits in the URL path: it is registered with the redactor, and
``BRIEFBOT_HTTP_REWRITE`` can point ``https://api.telegram.org`` at a mirror or test server.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.briefs.deliver.fields import DeliverFields
from bot.briefs.deliver.protocol import Accepted, Attachment, Part, Refused, Retry, SendOutcome, destination_key
from bot.briefs.deliver.responses import is_transient, json_object, retry_after_header, seconds
from bot.briefs.deliver.splitting import split_message, utf16_length
from bot.briefs.document import BriefDocument
from connectors.http import HttpClient

API_BASE = "https://api.telegram.org"
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
_TOKEN = re.compile(r"^\d{6,12}:[A-Za-z0-9_-]{30,}$")
_CHAT_ID = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")


@dataclass(frozen=True)
class TelegramTarget:
    token: str = field(repr=False)
    chat_id: str = ""
    kind: str = "telegram"
    pace: float = 1.0  # about one message a second per chat

    @classmethod
    def parse(cls, fields: DeliverFields) -> TelegramTarget:
        fields.check_keys(("token", "chat_id"))
        token = fields.secret("token", variable="TELEGRAM_BOT_TOKEN", example="the token @BotFather gave you")
        if not _TOKEN.match(token):
            raise fields.fail(
                "token", "does not look like a bot token (digits, a colon, then 35 letters/digits)",
                "copy the whole token @BotFather gave you into TELEGRAM_BOT_TOKEN",
            )
        chat_id = fields.plain("chat_id", example="-1001234567890", numeric=True)
        if not _CHAT_ID.match(chat_id):
            raise fields.fail(
                "chat_id", f"is not a chat id: {chat_id!r}",
                'use the numeric id (e.g. chat_id = "-1001234567890") or a channel\'s "@username"',
            )
        return cls(token, chat_id)

    def describe(self) -> str:
        return f"telegram chat {self.chat_id}"

    def key(self) -> str:
        return destination_key(self.kind, self.token, self.chat_id)

    def secrets(self) -> list[str]:
        return [self.token]

    def plan(self, doc: BriefDocument, *, now: datetime) -> list[Part]:
        parts: list[Part] = []
        for number, text in enumerate(split_message(doc.plain_text(), MESSAGE_LIMIT, measure=utf16_length)):
            payload: dict[str, Any] = {
                "chat_id": self.chat_id, "text": text, "link_preview_options": {"is_disabled": True},
            }
            at = text.find(doc.title)
            if number == 0 and 0 <= at <= len("(99/99)\n"):
                payload["entities"] = [
                    {"type": "bold", "offset": utf16_length(text[:at]), "length": utf16_length(doc.title)}
                ]
            parts.append(Part(body=json.dumps(payload, ensure_ascii=False), destination="sendMessage"))
        for chart in doc.charts:
            caption = chart.title
            while utf16_length(caption) > CAPTION_LIMIT:
                caption = caption[:-1]
            fields = {"chat_id": self.chat_id, "caption": caption}
            parts.append(Part(
                body=json.dumps(fields, ensure_ascii=False), destination="sendPhoto",
                attachment=Attachment(f"{chart.name}.png", chart.png),
            ))
        return parts

    def send(self, part: Part, *, message_id: str, http: HttpClient) -> SendOutcome:
        url = f"{API_BASE}/bot{self.token}/{part.destination}"
        if part.attachment is None:
            response = http.post(
                url, source="Telegram", body=part.body.encode("utf-8"), headers={"Content-Type": "application/json"}
            )
        else:
            fields = {k: str(v) for k, v in json.loads(part.body).items()}
            response = http.post(
                url, source="Telegram", fields=fields,
                files={"photo": (part.attachment.filename, part.attachment.png, "image/png")},
            )
        body = json_object(response)
        result = body.get("result")
        if response.ok and body.get("ok") is True and isinstance(result, dict):
            return Accepted(str(result.get("message_id")) if result.get("message_id") is not None else None)
        description = response.redactor.scrub(str(body.get("description") or response.snippet()))
        message = f"HTTP {response.status}: {description}"
        if is_transient(response.status):
            parameters = body.get("parameters")
            wait = seconds(parameters.get("retry_after")) if isinstance(parameters, dict) else None
            return Retry(message, after=wait if wait is not None else retry_after_header(response))
        if response.status == 401:
            return Refused(f"{message}; the bot token was revoked or is wrong: get a new one from @BotFather")
        if response.status in (400, 403) and "chat" in description.lower():
            return Refused(f"{message}; check chat_id and that the bot is a member of that chat")
        return Refused(message)
