"""Connector failures: one class per thing a user can act on, each with its own exit code.

Every requests/urllib3 error is translated in exactly one place (:mod:`connectors.http`);
connectors translate their upstream's error bodies into these classes. Messages name the
source, say what happened and what to do; they never contain a secret (the runtime passes
every message through the redactor, and upstream text is scrubbed before it is quoted).

    BriefbotError                      exit 1   root of every error briefbot reports
    ├── UsageError                     exit 2   a bad argument (e.g. `connectors new` name)
    ├── ConfigError                    exit 3   settings unreadable or invalid
    └── ConnectorError                 exit 30  base of the data-source failures below
    ├── SourceUnavailable              exit 31  timeouts, refused connections, 5xx after retries
    ├── RateLimited                    exit 32  429 after retries, or a "slow down" body
    ├── NotFound                       exit 33  unknown place, symbol, market, currency, coin
    ├── InvalidParams                  exit 34  a parameter is missing, unknown or out of range
    ├── UpstreamErrorBody              exit 35  the source answered with an error we can quote
    ├── SchemaDriftError               exit 36  a field we rely on is missing or of another type
    │   └── MalformedResponse          exit 36  the body is not the JSON we asked for at all
    │       └── ResponseTooLarge       exit 36  the body passed the size limit (reading stopped there)
    ├── MissingKey                     exit 37  the connector needs an API key that is not set
    ├── AccessRefused                  exit 38  the source refuses us (401/403, premium endpoint)
    └── UnknownConnector               exit 39  no connector has that name

A number that is not finite (NaN, inf, "nan") or a time outside 1970-2100 is schema drift
(exit 36) too, refused at the connector boundary and never cached. A redirect to another
host, a redirect loop or more than 3 redirects is SourceUnavailable (exit 31), not retried.

The root lives here, not in ``bot``, so a connector (a third party's included) depends on
nothing of the app; :mod:`bot.errors` extends this same tree with the LLM, history, budget
and brief branches, so ``bot.errors.BriefbotError is connectors.errors.BriefbotError``.
"""

from __future__ import annotations


class BriefbotError(Exception):
    """Base of every error briefbot reports to a user."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  → {self.hint}"


class UsageError(BriefbotError):
    exit_code = 2


class ConfigError(BriefbotError):
    exit_code = 3


class ConnectorError(BriefbotError):
    """Base for data-source failures; the classes below subclass it."""

    exit_code = 30


class SourceUnavailable(ConnectorError):
    """The source could not be reached or kept failing (timeouts, connection errors, 5xx)."""

    exit_code = 31


class RateLimited(ConnectorError):
    """The source asked us to slow down and the deadline left no room to wait."""

    exit_code = 32

    def __init__(self, message: str, *, hint: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class NotFound(ConnectorError):
    """The place, symbol, market, currency or coin does not exist at the source."""

    exit_code = 33


class InvalidParams(ConnectorError):
    """A connector parameter is missing, unknown or out of range."""

    exit_code = 34


class UpstreamErrorBody(ConnectorError):
    """The source answered with an error message (HTTP 4xx, or HTTP 200 with an error body)."""

    exit_code = 35


class SchemaDriftError(ConnectorError):
    """The payload lacks a field we rely on: the upstream API changed shape."""

    exit_code = 36

    def __init__(self, message: str, *, hint: str | None = None, field: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


class MalformedResponse(SchemaDriftError):
    """The body is not JSON (or not the JSON type we expect): truncated, HTML, a proxy page."""


class ResponseTooLarge(MalformedResponse):
    """The body passed the size limit; reading stopped there. Not retried: it would be as big again."""


class MissingKey(ConnectorError):
    """The connector needs an API key that is not configured."""

    exit_code = 37


class AccessRefused(ConnectorError):
    """The source refuses this client: 401/403, a premium-only endpoint, a demo key."""

    exit_code = 38


class UnknownConnector(ConnectorError):
    """No registered connector has the requested name."""

    exit_code = 39


# Failures where a cached copy, even an old one, is better than nothing: the source is
# down or busy, not saying "your request is wrong".
TRANSIENT_FAILURES: tuple[type[ConnectorError], ...] = (SourceUnavailable, RateLimited)
