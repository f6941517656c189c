"""A generic webhook, signed as Standard Webhooks 1.0 specifies (standardwebhooks.com).

Headers: ``webhook-id`` (the outbox's message id: the same on every retry and re-run, so
the receiver can drop a duplicate), ``webhook-timestamp`` (this attempt, Unix seconds) and,
with a ``secret``, ``webhook-signature``: ``v1,`` + base64 HMAC-SHA256 over
``{id}.{timestamp}.{body}`` keyed with the base64-decoded part of ``whsec_…``. Only 2xx is
success; 410 means the receiver wants nothing more from us.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import datetime

from bot.briefs.deliver.fields import DeliverFields
from bot.briefs.deliver.protocol import Accepted, Part, Refused, Retry, SendOutcome, destination_key, masked_url
from bot.briefs.deliver.responses import is_transient, redirect_detail, retry_after_header
from bot.briefs.document import BriefDocument
from connectors.http import HttpClient

EVENT_TYPE = "brief.published"


@dataclass(frozen=True)
class WebhookTarget:
    url: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)  # "whsec_<base64>"
    kind: str = "webhook"
    pace: float = 0.0

    @classmethod
    def parse(cls, fields: DeliverFields) -> WebhookTarget:
        fields.check_keys(("url", "secret"))
        url = fields.url("url", variable="WEBHOOK_URL", must_be_secret=False)
        secret = None
        if "secret" in fields.table:
            secret = fields.secret("secret", variable="WEBHOOK_SECRET", example='"whsec_" followed by base64')
            if signing_key(secret) is None:
                raise fields.fail(
                    "secret", "is not a Standard Webhooks secret (\"whsec_\" followed by base64)",
                    "use the secret the receiver generated, e.g. with `openssl rand -base64 32` prefixed by whsec_",
                )
        return cls(url, secret)

    def describe(self) -> str:
        return f"webhook {masked_url(self.url)}" + (" (signed)" if self.secret else "")

    def key(self) -> str:
        return destination_key(self.kind, self.url)

    def secrets(self) -> list[str]:
        return [s for s in (self.url, self.secret) if s]

    def plan(self, doc: BriefDocument, *, now: datetime) -> list[Part]:
        payload = {
            "type": EVENT_TYPE,
            "timestamp": now.isoformat(),
            "data": {
                "brief": doc.brief,
                "run_key": doc.run_key,
                "title": doc.title,
                "language": doc.language,
                "slot_utc": doc.slot_utc.isoformat() if doc.slot_utc else None,
                "summary": doc.summary,
                "figures": doc.figures,
                "missing": doc.missing,
                "sparklines": doc.sparklines,
                "markdown": doc.markdown(),
                "charts": [
                    {"name": c.name, "title": c.title, "png_base64": base64.b64encode(c.png).decode("ascii")}
                    for c in doc.charts
                ],
            },
        }
        return [Part(body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")))]

    def send(self, part: Part, *, message_id: str, http: HttpClient) -> SendOutcome:
        body = part.body.encode("utf-8")
        headers = {"Content-Type": "application/json", **signed_headers(message_id, body, self.secret, now=time.time())}
        response = http.post(self.url, source="webhook", body=body, headers=headers)
        if response.ok:
            return Accepted(message_id)
        if response.status == 410:
            return Refused("HTTP 410 Gone: the receiver asked us to stop sending; remove this destination")
        if 300 <= response.status < 400:
            return Refused(redirect_detail(response))
        if is_transient(response.status):
            return Retry(f"HTTP {response.status}: {response.snippet()}", after=retry_after_header(response))
        return Refused(f"HTTP {response.status}: {response.snippet()}")


def signing_key(secret: str) -> bytes | None:
    if not secret.startswith("whsec_"):
        return None
    try:
        key = base64.b64decode(secret[len("whsec_"):], validate=True)
    except (binascii.Error, ValueError):
        return None
    return key or None


def signed_headers(message_id: str, body: bytes, secret: str | None, *, now: float) -> dict[str, str]:
    timestamp = str(int(now))
    headers = {"webhook-id": message_id, "webhook-timestamp": timestamp}
    key = signing_key(secret) if secret else None
    if key is not None:
        signed = message_id.encode() + b"." + timestamp.encode() + b"." + body
        digest = hmac.new(key, signed, hashlib.sha256).digest()
        headers["webhook-signature"] = "v1," + base64.b64encode(digest).decode("ascii")
    return headers
