"""One HTTP exchange on the wire: credentials, redirects and a bounded body.

``requests`` would follow a redirect to any host and carry our custom headers (CoinGecko's
``x-cg-demo-api-key``) and the query string (Alpha Vantage's ``apikey=``) along, and it
reads a body of any size into memory. So :class:`~connectors.http.HttpClient` sends every
request with ``allow_redirects=False, stream=True`` and uses this module to:

* attach a connector's :class:`Credentials` to each request separately, and only when
  that request goes to the origin (scheme, host, port) the connector asked for;
* follow redirects by hand: same origin only, at most :data:`MAX_REDIRECTS` hops, a loop
  stopped the first time a URL repeats. A redirect to another origin is refused: its
  answer would be cached as the connector's own, and the user's base URL setting (or
  ``BRIEFBOT_HTTP_REWRITE``) is the place to move a source, not a 302;
* read the body in chunks and stop at the size limit, never holding more than the limit.

Failures here are not transient (retrying a redirect loop sends the same loop again), so
they are raised as the user-facing errors directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from connectors.errors import ResponseTooLarge, SourceUnavailable

# Enough for http->https and a trailing-slash fix; more is a misconfiguration or a trap.
MAX_REDIRECTS = 3
READ_CHUNK = 64 * 1024
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Credentials:
    """Secrets a connector sends with a request: query parameters and/or headers.

    Kept apart from ordinary params and headers so the client can attach them per request,
    to the connector's own origin only.
    """

    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


NO_CREDENTIALS = Credentials()


def origin_of(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def with_query(url: str, extra: Mapping[str, str]) -> str:
    """``url`` with ``extra`` query parameters set (replacing any of the same name)."""
    if not extra:
        return url
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in extra]
    pairs.extend(extra.items())
    return urlunsplit(parts._replace(query=urlencode(pairs, safe=",:")))


def without_query(url: str, names: set[str]) -> str:
    """``url`` without the named query parameters (a Location echoing our key back)."""
    parts = urlsplit(url)
    if not names or not parts.query:
        return url
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in names]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe=",:")))


@dataclass
class Hop:
    """The request about to be sent (its URL without credentials) and its method."""

    url: str
    method: str
    data: bytes | None


def send_following_redirects(
    session: requests.Session,
    hop: Hop,
    *,
    headers: Mapping[str, str],
    credentials: Credentials,
    timeout: tuple[float, float],
    source: str,
    shown: str,
    on_send: Callable[[], None] = lambda: None,
) -> requests.Response:
    """Send ``hop`` and follow same-origin redirects; return the first non-redirect response
    (streaming: the caller reads its body with :func:`read_limited`)."""
    home = origin_of(hop.url)
    secret_names = set(credentials.query)
    visited = {hop.url}
    for _ in range(MAX_REDIRECTS + 1):
        # Only same-origin hops reach here today; the check stays per request so that a
        # future cross-origin hop can never inherit the key.
        own_origin = origin_of(hop.url) == home
        url = with_query(hop.url, credentials.query) if own_origin else hop.url
        sent_headers = {**headers, **credentials.headers} if own_origin else dict(headers)
        on_send()
        raw = session.request(
            hop.method, url, headers=sent_headers, data=hop.data, timeout=timeout, allow_redirects=False, stream=True
        )
        location = raw.headers.get("Location")
        if raw.status_code not in _REDIRECT_STATUSES or not location:
            return raw
        raw.close()
        target = without_query(urljoin(hop.url, location), secret_names)
        if origin_of(target) != home:
            scheme, host, port = origin_of(target)
            raise SourceUnavailable(
                f"{source} redirected to another host ({scheme}://{host}:{port}); briefbot does not follow a "
                f"data source off its own host, so no key or answer crosses over [{shown}]",
                hint="if the API has moved, set the source's base URL setting (`briefbot connectors show NAME`) "
                "or BRIEFBOT_HTTP_REWRITE to its new address",
            )
        if target in visited:
            raise SourceUnavailable(
                f"{source} answered with a redirect loop (HTTP {raw.status_code} back to a URL already visited); "
                f"stopped at once, not retried [{shown}]",
                hint="the source or a proxy in front of it is misconfigured; check the base URL setting, or try later",
            )
        visited.add(target)
        if raw.status_code in (301, 302, 303) and hop.method != "GET":
            hop = Hop(target, "GET", None)  # what browsers and requests do: the body is not re-sent
        else:
            hop = Hop(target, hop.method, hop.data)
    raise SourceUnavailable(
        f"{source} redirected more than {MAX_REDIRECTS} times; stopped, not retried [{shown}]",
        hint="check the source's base URL setting (or BRIEFBOT_HTTP_REWRITE); it should name the API's own address",
    )


def read_limited(raw: requests.Response, *, limit: int, source: str, shown: str) -> bytes:
    """The body, read chunk by chunk and abandoned as soon as it passes ``limit`` bytes.

    A declared Content-Length over the limit is refused before reading anything. Read errors
    (``requests`` exceptions) propagate for the caller to classify.
    """
    declared = raw.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raw.close()
        raise _too_large(source, shown, limit, f"it announced {int(declared):,} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in raw.iter_content(chunk_size=READ_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_large(source, shown, limit, f"stopped reading at {size:,} bytes")
            chunks.append(chunk)
    finally:
        raw.close()
    body = b"".join(chunks)
    # What requests' own .content would have stored, so anything that inspects the response
    # afterwards (the `responses` call log in tests, a debugger) still sees the body.
    raw._content = body
    return body


def _too_large(source: str, shown: str, limit: int, detail: str) -> ResponseTooLarge:
    return ResponseTooLarge(
        f"{source} sent a response larger than the {limit:,}-byte limit ({detail}) [{shown}]",
        hint="no data source answers a briefbot request with that much; if yours really does, raise "
        "BRIEFBOT_HTTP_MAX_BODY_BYTES",
        field="(body)",
    )
