"""The shared HTTP layer: one session, timeouts, User-Agent, URL rewriting, rate limits, retries.

This is the only module that touches ``requests`` exceptions: each becomes either a
:class:`~connectors.retry.TransientFailure` (retried) or, after giving up, a
:class:`~connectors.errors.SourceUnavailable` / :class:`~connectors.errors.RateLimited`.
A host name that does not resolve is the exception: it fails at once (see
:func:`_unresolved_host`).
Any other status comes back as an :class:`HttpResponse` for the connector to interpret,
because only the connector knows that Frankfurter's 404 means "no such date" and Upbit's
means "no such market".

Secrets never leave this module unmasked: URLs are redacted (query credentials) and every
quoted upstream text goes through the runtime's redactor. Keys are passed as
:class:`~connectors.transfer.Credentials` and attached per request to the connector's own
origin; redirects are followed by hand and every body is read with a size limit (see
:mod:`connectors.transfer`).
"""

from __future__ import annotations

import copy
import logging
import re
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NameResolutionError

from connectors.errors import RateLimited, SourceUnavailable
from connectors.redact import Redactor, redact_url
from connectors.rewrite import parse_rewrite_rules, rewrite_url
from connectors.version import __version__
from connectors.ratelimit import HostRateLimiter, Rate
from connectors.retry import RetryOutcome, RetryPolicy, TransientFailure, call_with_retries, parse_retry_after
from connectors.response import HttpResponse
from connectors.transfer import NO_CREDENTIALS, Credentials, Hop, read_limited, send_following_redirects, with_query

__all__ = ["Credentials", "HttpClient", "HttpResponse", "parse_rewrite_rules", "rewrite_url"]

log = logging.getLogger("briefbot.connectors.http")

USER_AGENT = f"briefbot/{__version__} (+https://github.com/briefbot/briefbot)"
# A connect should be quick or not at all; the read timeout is the user's setting.
MAX_CONNECT_TIMEOUT = 5.0
# The largest recorded answer we use is ~60 kB; a connector can declare its own limit.
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024


class HttpClient:
    """One per runtime; thread-safe for concurrent GETs (the session's pool is shared)."""

    def __init__(
        self,
        *,
        timeout: float,
        deadline: float,
        rewrite: str | None,
        redactor: Redactor,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        now: Callable[[], datetime],
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self.timeout = timeout
        self.deadline = deadline
        self.rules = parse_rewrite_rules(rewrite)
        self.redactor = redactor
        self.clock = clock
        self.sleep = sleep
        self.now = now
        self.policy = policy or RetryPolicy()
        self.limiter = HostRateLimiter(clock=clock, sleep=sleep)
        self.session = session or _new_session()
        self.max_body_bytes = max_body_bytes
        self._tally = _Tally()  # counted for the bench and tests ("a cached repeat sends none")

    def close(self) -> None:
        self.session.close()

    @property
    def requests_sent(self) -> int:
        """Requests put on the wire (redirect hops included), by this client and its views."""
        return self._tally.count

    def with_body_limit(self, max_body_bytes: int) -> HttpClient:
        """A view of this client (same session, rate limits, counters) with another body limit;
        the runtime gives each connector one with that connector's limit."""
        view = copy.copy(self)
        view.max_body_bytes = max_body_bytes
        return view

    def get(
        self,
        url: str,
        *,
        source: str,
        params: Mapping[str, str | int | float] | None = None,
        headers: Mapping[str, str] | None = None,
        credentials: Credentials = NO_CREDENTIALS,
        rate: Rate | None = None,
    ) -> HttpResponse:
        """GET ``url`` with retries; returns any non-retryable response, raises after giving up.

        ``credentials`` (API keys) are attached per request to ``url``'s own origin only; see
        :mod:`connectors.transfer`.
        """
        if params:
            url = url + ("&" if "?" in url else "?") + urlencode(params, safe=",:")
        return self._exchange(Hop(url, "GET", None), source=source, headers=headers, credentials=credentials, rate=rate)

    def _exchange(
        self,
        hop: Hop,
        *,
        source: str,
        headers: Mapping[str, str] | None,
        credentials: Credentials,
        rate: Rate | None,
    ) -> HttpResponse:
        """One logical request of any method: rewriting, rate limit, retries, redirects, size limit."""
        logical_host = urlsplit(hop.url).netloc
        sent = Hop(rewrite_url(hop.url, self.rules), hop.method, hop.data)
        shown_url = self.redactor.scrub(redact_url(with_query(sent.url, credentials.query)))
        started = self.clock()
        deadline_at = started + self.deadline
        outcome = RetryOutcome()

        def attempt() -> HttpResponse:
            self.limiter.acquire(logical_host, rate)
            remaining = deadline_at - self.clock()
            if remaining <= 0:
                raise TransientFailure("timeout", "deadline reached before the request could be sent")
            timeout = (min(MAX_CONNECT_TIMEOUT, self.timeout, remaining), min(self.timeout, remaining))
            log.debug("%s %s", sent.method, shown_url)
            try:
                raw = send_following_redirects(
                    self.session, sent, headers=dict(headers or {}), credentials=credentials,
                    timeout=timeout, source=source, shown=shown_url, on_send=self._tally.add,
                )
            except requests.Timeout as exc:
                raise TransientFailure("timeout", f"no answer within {timeout[1]:.1f} s") from exc
            except requests.ConnectionError as exc:
                if _is_name_resolution_failure(exc):
                    raise _unresolved_host(exc, sent.url, source=source, redactor=self.redactor) from exc
                raise TransientFailure("connection", self.redactor.scrub(_reason(exc))) from exc
            except requests.RequestException as exc:
                raise TransientFailure("connection", self.redactor.scrub(_reason(exc))) from exc
            body = self._read_body(raw, source=source, shown=shown_url, read_timeout=timeout[1])
            response = self._response(raw, body, shown_url=shown_url, source=source)
            if raw.status_code == 429 or raw.status_code >= 500:
                raise TransientFailure(
                    "status",
                    f"HTTP {raw.status_code}: {response.upstream_message()}",
                    status=raw.status_code,
                    retry_after=parse_retry_after(raw.headers.get("Retry-After"), now=self.now()),
                )
            return response

        def on_retry(failure: TransientFailure, wait: float) -> None:
            log.info("%s: %s; retrying in %.1f s (%s)", source, failure.detail, wait, shown_url)

        try:
            return call_with_retries(
                attempt,
                policy=self.policy,
                deadline_at=deadline_at,
                clock=self.clock,
                sleep=self.sleep,
                outcome=outcome,
                on_retry=on_retry,
            )
        except TransientFailure as failure:
            raise _give_up(failure, source=source, url=shown_url, outcome=outcome, deadline=self.deadline) from failure

    def _read_body(self, raw: requests.Response, *, source: str, shown: str, read_timeout: float) -> bytes:
        """The body within the size limit; a body that stops arriving or is cut off is transient."""
        try:
            return read_limited(raw, limit=self.max_body_bytes, source=source, shown=shown)
        except requests.ConnectionError as exc:
            # requests wraps urllib3's ReadTimeoutError in ConnectionError once the body streams.
            if "timed out" in str(exc).lower():
                raise TransientFailure(
                    "stalled", f"the answer began, then stopped arriving (no data for {read_timeout:.1f} s)"
                ) from exc
            raise TransientFailure("truncated", f"the connection broke mid-answer ({self.redactor.scrub(_reason(exc))})") from exc
        except requests.RequestException as exc:  # ChunkedEncodingError: fewer bytes than announced
            raise TransientFailure("truncated", "the answer was cut off before its end") from exc

    def post(
        self,
        url: str,
        *,
        source: str,
        body: bytes | None = None,
        fields: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """POST once: ``body`` as given (set its Content-Type in ``headers``), or a multipart
        form of ``fields`` and ``files`` (name -> (filename, bytes, content type)).

        No retry and no redirect: the caller (the delivery outbox) records each attempt and
        decides when to try again, and a redirected POST would resend a message elsewhere.
        Returns the response for any status; a connection failure or timeout raises
        :class:`SourceUnavailable`, as after ``get``'s last attempt.
        """
        sent_url = rewrite_url(url, self.rules)
        shown_url = self.redactor.scrub(redact_url(sent_url))
        timeout = (min(MAX_CONNECT_TIMEOUT, self.timeout), self.timeout)
        self._tally.add()
        log.debug("POST %s", shown_url)
        try:
            raw = self.session.post(
                sent_url,
                data=body if body is not None else dict(fields or {}),
                files=dict(files) if files else None,
                headers=dict(headers or {}),
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            answer = read_limited(raw, limit=self.max_body_bytes, source=source, shown=shown_url)
        except requests.ConnectionError as exc:
            if _is_name_resolution_failure(exc):
                raise _unresolved_host(exc, sent_url, source=source, redactor=self.redactor) from exc
            raise SourceUnavailable(
                f"cannot connect to {source}: {self.redactor.scrub(_reason(exc))} [{shown_url}]",
                hint="check the destination URL (or BRIEFBOT_HTTP_REWRITE) and the network",
            ) from exc
        except requests.Timeout as exc:
            raise SourceUnavailable(
                f"{source} did not answer within {self.timeout:.1f} s [{shown_url}]",
                hint="BRIEFBOT_HTTP_TIMEOUT sets how long to wait",
            ) from exc
        except requests.RequestException as exc:
            raise SourceUnavailable(
                f"cannot send to {source}: {self.redactor.scrub(_reason(exc))} [{shown_url}]",
                hint="check the destination URL and the network",
            ) from exc
        return self._response(raw, answer, shown_url=shown_url, source=source)

    def _response(self, raw: requests.Response, body: bytes, *, shown_url: str, source: str) -> HttpResponse:
        return HttpResponse(status=raw.status_code, headers=raw.headers, text=_decode(body, raw.encoding),
                            url=shown_url, fetched_at=self.now(), source=source, redactor=self.redactor)


class _Tally:
    """A request counter shared by a client and its views."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def add(self) -> None:
        with self._lock:
            self.count += 1


def _decode(body: bytes, encoding: str | None) -> str:
    # JSON is UTF-8 (RFC 8259); requests reports ISO-8859-1 for a text/* type without a charset.
    try:
        return body.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _give_up(
    failure: TransientFailure, *, source: str, url: str, outcome: RetryOutcome, deadline: float
) -> SourceUnavailable | RateLimited:
    tries = f"{outcome.attempts} attempt{'s' if outcome.attempts != 1 else ''}"
    if failure.status == 429:
        asked = ""
        if failure.retry_after is not None:
            asked = f"; it asked to wait {failure.retry_after:.0f} s"
            if outcome.stopped_by_deadline:
                asked += f", more than the {deadline:g} s deadline allows"
        return RateLimited(
            f"{source} is rate-limiting requests (HTTP 429) — gave up after {tries}{asked}",
            hint="wait a little and try again; recent cached data is used when there is any",
            retry_after=failure.retry_after,
        )
    if failure.kind == "timeout":
        what = f"{source} did not answer in time ({failure.detail}) — gave up after {tries}"
    elif failure.kind == "connection":
        what = f"cannot connect to {source}: {failure.detail} — gave up after {tries}"
    elif failure.kind == "stalled":
        what = f"{source} stopped sending mid-answer: {failure.detail} — gave up after {tries}"
    elif failure.kind == "truncated":
        what = f"{source}'s answer was cut off: {failure.detail} — gave up after {tries}"
    else:
        what = f"{source} kept failing ({failure.detail}) — gave up after {tries}"
    return SourceUnavailable(
        f"{what} [{url}]",
        hint="check the network (or BRIEFBOT_HTTP_REWRITE / the source's base URL setting); "
        "BRIEFBOT_HTTP_TIMEOUT and BRIEFBOT_HTTP_DEADLINE set how long to wait",
    )


def _is_name_resolution_failure(exc: BaseException) -> bool:
    """Whether a DNS lookup failed somewhere under the wrappers requests and urllib3 add.

    requests raises ConnectionError(MaxRetryError(reason=NameResolutionError(...) from
    socket.gaierror)); the chain is walked rather than matched by shape so a different
    nesting in a later urllib3 is still recognised.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, (NameResolutionError, socket.gaierror)):
            return True
        linked = [getattr(error, "reason", None), error.__cause__, error.__context__, *error.args]
        pending.extend(e for e in linked if isinstance(e, BaseException))
    return False


def _unresolved_host(
    exc: requests.ConnectionError, sent_url: str, *, source: str, redactor: Redactor
) -> SourceUnavailable:
    """A name that does not resolve is not transient: a typo in a base URL or rewrite rule, or
    no network/DNS at all (even EAI_AGAIN does not clear within our few seconds of backoff).
    Retrying only delays the answer, so the first failure is final. The message names the
    host alone: the query string can carry keys, and the path adds nothing here.
    """
    host = urlsplit(sent_url).hostname or "(no host)"
    return SourceUnavailable(
        redactor.scrub(f"cannot resolve host {host} for {source}: {_reason(exc)} — not retried, "
                       "a failed name lookup does not fix itself in seconds"),
        hint="check the host name (the source's base URL setting or BRIEFBOT_HTTP_REWRITE) "
        "and that this machine has network access and DNS",
    )


def _reason(exc: requests.RequestException) -> str:
    # urllib3 nests the useful part ("[Errno -2] Name or service not known", "Connection
    # refused") deep in a message that also repeats the URL, which we show redacted anyway.
    text = str(exc)
    match = re.search(r"(\[Errno [^\]]+\][^'\")]*)", text)
    if match:
        return match.group(1).strip()
    for marker in ("Connection refused", "Connection reset", "RemoteDisconnected", "Connection aborted"):
        if marker in text:
            return marker
    return type(exc).__name__


def _new_session() -> requests.Session:
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    # Retries are ours (tenacity, deadline-aware); urllib3 must not add its own loop.
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=16, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
