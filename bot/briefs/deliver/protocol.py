"""The contract between the outbox and a delivery target.

A target turns a document into numbered *parts* once (the plan is stored in the outbox, so
a re-run of the same run sends the same parts even if the document came out differently),
then sends one part at a time and classifies the answer. The outbox owns retries, waits,
and the record of what was accepted; a target never loops or sleeps.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable
from urllib.parse import urlsplit

from bot.briefs.document import BriefDocument
from connectors.http import HttpClient

TargetKind = Literal["markdown", "webhook", "slack", "discord", "telegram"]


@dataclass(frozen=True)
class Attachment:
    filename: str
    png: bytes


@dataclass(frozen=True)
class Part:
    """One message (or file) to deliver: what is stored in an outbox row."""

    body: str  # the request body (JSON text) or, for markdown, the file's text
    destination: str = ""  # where it goes when that varies per part (a file path, an API method)
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Accepted:
    remote_id: str | None  # the message id the service returned, when it returns one


@dataclass(frozen=True)
class Retry:
    """Worth another attempt: 429, 5xx, a timeout or a refused connection."""

    detail: str
    after: float | None = None  # seconds the service asked us to wait


@dataclass(frozen=True)
class Refused:
    """Permanent for this part: another attempt in this run would get the same answer.
    The destination's later parts wait too: parts arrive in order or not at all."""

    detail: str


SendOutcome = Accepted | Retry | Refused


@runtime_checkable
class DeliveryTarget(Protocol):
    """A validated ``[[NAME.deliver]]`` destination (see :func:`bot.briefs.targets.parse_target`)."""

    @property
    def kind(self) -> str:
        """"markdown" | "webhook" | "slack" | "discord" | "telegram"."""
        ...

    @property
    def pace(self) -> float:
        """Seconds between two parts (the service's per-channel rate), 0 for none."""
        ...

    def describe(self) -> str:
        """The destination for people: secrets masked."""
        ...

    def key(self) -> str:
        """Stable identity of the destination across runs, with no secret in it (a digest)."""
        ...

    def secrets(self) -> list[str]:
        """Values that must never be shown (registered with the redactor before sending)."""
        ...

    def plan(self, doc: BriefDocument, *, now: datetime) -> list[Part]:
        """The parts that deliver ``doc``, in sending order."""
        ...

    def send(self, part: Part, *, message_id: str, http: HttpClient) -> SendOutcome:
        """One attempt at one part. ``message_id`` is stable across attempts and re-runs."""
        ...


def destination_key(kind: str, *identity: str) -> str:
    """A digest naming one destination in the outbox: stable, and no secret readable in it."""
    return kind + ":" + hashlib.sha256("\0".join((kind, *identity)).encode()).hexdigest()[:24]


def masked_url(url: str) -> str:
    """``https://host/…``: chat webhooks keep their token in the path, other URLs may in the query."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if parts.port:
        host = f"{host}:{parts.port}"
    rest = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{rest}"
