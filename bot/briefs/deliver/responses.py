"""Reading a service's answer: what is worth retrying and how long it asked us to wait."""

from __future__ import annotations

import json
from typing import Any

from connectors.http import HttpResponse
from connectors.retry import parse_retry_after

# 408 and 425 are the server saying "not now"; 429 is a rate limit; 5xx a server failure.
TRANSIENT_STATUSES = frozenset({408, 425, 429})


def is_transient(status: int) -> bool:
    return status in TRANSIENT_STATUSES or status >= 500


def retry_after_header(response: HttpResponse) -> float | None:
    return parse_retry_after(response.headers.get("Retry-After"), now=response.fetched_at)


def json_object(response: HttpResponse) -> dict[str, Any]:
    """The body as a JSON object, or {} when it is not one (an HTML error page from a proxy)."""
    try:
        body = json.loads(response.text)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def seconds(value: Any) -> float | None:
    """A wait given in a JSON body (Discord's ``retry_after``, Telegram's ``parameters.retry_after``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def redirect_detail(response: HttpResponse) -> str:
    # Never followed: a POST re-sent to wherever a Location header points is a message sent
    # somewhere nobody configured.
    where = response.headers.get("Location", "(no Location header)")
    return f"HTTP {response.status} redirect to {response.redactor.scrub(where)}; set the final URL instead"
