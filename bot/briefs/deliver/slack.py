"""Slack incoming webhooks: the brief as section blocks within Slack's limits.

A section's text holds at most 3,000 characters and a message at most 50 blocks, so the
text is packed into sections on paragraph boundaries and the sections into messages; a
brief needing several messages numbers them in the header. Text goes as ``plain_text``,
so ``*``, ``_``, ``<`` or ``&`` in the data are shown as they are, never as formatting or
links. Charts are not sent: blocks can only show images Slack can download from a public
URL, and the sparklines are in the text. Incoming webhooks return no message id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from bot.briefs.deliver.fields import DeliverFields
from bot.briefs.deliver.protocol import Accepted, Part, Refused, Retry, SendOutcome, destination_key, masked_url
from bot.briefs.deliver.responses import is_transient, redirect_detail, retry_after_header
from bot.briefs.deliver.splitting import pack_paragraphs
from bot.briefs.document import BriefDocument
from connectors.http import HttpClient

SECTION_LIMIT = 3000
BLOCKS_PER_MESSAGE = 50
HEADER_LIMIT = 150


@dataclass(frozen=True)
class SlackTarget:
    url: str = field(repr=False)
    kind: str = "slack"
    pace: float = 1.0  # incoming webhooks allow about one message a second

    @classmethod
    def parse(cls, fields: DeliverFields) -> SlackTarget:
        fields.check_keys(("url",))
        return cls(fields.url("url", variable="SLACK_WEBHOOK_URL", must_be_secret=True))

    def describe(self) -> str:
        return f"slack {masked_url(self.url)}"

    def key(self) -> str:
        return destination_key(self.kind, self.url)

    def secrets(self) -> list[str]:
        return [self.url]

    def plan(self, doc: BriefDocument, *, now: datetime) -> list[Part]:
        body = doc.plain_text().split("\n\n", 1)[1] if "\n\n" in doc.plain_text() else ""
        sections = pack_paragraphs(body, SECTION_LIMIT) if body.strip() else []
        per_message = BLOCKS_PER_MESSAGE - 1  # one block is the header
        groups = [sections[i:i + per_message] for i in range(0, len(sections), per_message)] or [[]]
        parts: list[Part] = []
        for number, group in enumerate(groups, start=1):
            title = doc.title if len(groups) == 1 else f"{doc.title} ({number}/{len(groups)})"
            title = title if len(title) <= HEADER_LIMIT else title[: HEADER_LIMIT - 1] + "…"
            blocks: list[dict[str, object]] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
            blocks += [{"type": "section", "text": {"type": "plain_text", "text": s, "emoji": False}} for s in group]
            # `text` is what notifications and old clients show instead of the blocks.
            parts.append(Part(body=json.dumps({"text": title, "blocks": blocks}, ensure_ascii=False)))
        return parts

    def send(self, part: Part, *, message_id: str, http: HttpClient) -> SendOutcome:
        response = http.post(
            self.url, source="Slack", body=part.body.encode("utf-8"), headers={"Content-Type": "application/json"}
        )
        if response.ok:
            return Accepted(None)
        if 300 <= response.status < 400:
            return Refused(redirect_detail(response))
        if is_transient(response.status):
            return Retry(f"HTTP {response.status}: {response.snippet()}", after=retry_after_header(response))
        # Slack answers errors as a bare word: invalid_blocks, no_text, no_service (404: the
        # webhook was removed), channel_is_archived (410), invalid_token / action_prohibited (403).
        return Refused(f"HTTP {response.status} {response.snippet()}: {_advice(response.text.strip())}")


def _advice(error: str) -> str:
    if error in ("no_service", "invalid_token", "channel_not_found", "channel_is_archived", "action_prohibited"):
        return "the webhook no longer works: create a new one and update the variable"
    if error in ("invalid_blocks", "no_text", "invalid_payload", "too_many_attachments"):
        return "Slack refused the message's shape; this is a bug in briefbot, please report it"
    return "see Slack's incoming-webhook errors"
