"""What a data source answered: status, headers, text, and where it came from.

Built by :class:`connectors.http.HttpClient` (which re-exports it) for every answer that is
not retried; the connector decides what a status means. Every text quoted from it is cleaned
by :func:`connectors.sanitize.clean_upstream_text` and goes through the redactor, since an
upstream can echo a key back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.redact import Redactor
from connectors.errors import AccessRefused, MalformedResponse, UpstreamErrorBody
from connectors.sanitize import clean_upstream_text

SNIPPET_CHARS = 300


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    text: str = field(repr=False)
    url: str  # as sent (after rewriting), credentials redacted
    fetched_at: datetime
    source: str
    redactor: Redactor = field(repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            raise MalformedResponse(
                f"{self.source} answered HTTP {self.status} with a body that is not JSON: {self.snippet()!r}",
                hint="the source or a proxy in between returned something else (an HTML page, a cut-off body); "
                "try again later",
                field="(body)",
            ) from None

    def snippet(self) -> str:
        text = clean_upstream_text(" ".join(self.text[: SNIPPET_CHARS * 4].split()))
        if len(text) > SNIPPET_CHARS:
            text = text[:SNIPPET_CHARS] + "…"
        return self.redactor.scrub(text)

    def upstream_message(self) -> str:
        """The error text from common JSON error shapes, else a snippet of the body."""
        try:
            body = json.loads(self.text)
        except ValueError:
            return self.snippet()
        text = _find_message(body)
        # Quoted upstream text is upstream text: cleaned like a record field (it reaches error
        # lines, stale notes and the packer's MISSING lines), then masked.
        return self.redactor.scrub(clean_upstream_text(text)) if text else self.snippet()

    def raise_for_status(self) -> None:
        """Default mapping for statuses the connector did not handle itself."""
        if self.ok:
            return
        if self.status in (401, 403):
            raise AccessRefused(
                f"{self.source} refused the request (HTTP {self.status}): {self.upstream_message()}",
                hint="check the API key, or whether this endpoint needs a plan or key",
            )
        raise UpstreamErrorBody(
            f"{self.source} answered HTTP {self.status}: {self.upstream_message()}",
            hint="check the parameters; `briefbot connectors show NAME` lists what is allowed",
        )


def _find_message(body: Any) -> str | None:
    if isinstance(body, dict):
        for key in ("reason", "message", "error_message", "description", "Error Message", "Information", "Note"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        for key in ("error", "status", "chart", "finance"):
            found = _find_message(body.get(key))
            if found:
                return found
    return None
