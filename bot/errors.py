"""The one exception tree of briefbot, and the exit code of each branch.

Third-party errors (openai SDK, llama-cpp, requests, sqlite) are translated into this tree in
exactly one place per integration, always with ``raise ... from exc`` so ``--debug`` keeps the
cause. Every message says what happened and what to do next; none contains a secret.

    BriefbotError                       exit 1
    ├── UsageError                      exit 2   bad flag or argument value
    ├── ConfigError                     exit 3   settings unreadable or invalid
    │   └── InvalidKeyFormatError       exit 4   key cannot be valid; caught before any call
    ├── LLMError                        exit 10  any failure of the LLM layer
    │   ├── AuthenticationError         exit 11  401: missing or rejected key
    │   ├── QuotaExceededError          exit 12  429 insufficient_quota: retrying cannot help
    │   ├── RateLimitError              exit 13  429 after the SDK's retries
    │   ├── ContextTooLongError         exit 14  400 context_length_exceeded
    │   ├── ModelNotFoundError          exit 15  404 model_not_found
    │   ├── EndpointUnreachableError    exit 16  connection refused / DNS / no route
    │   ├── LLMTimeoutError             exit 17  no answer within the timeout
    │   ├── ServerError                 exit 18  5xx after retries, or a broken stream
    │   ├── BadRequestError             exit 19  any other 4xx
    │   └── EmbeddedModelError          exit 20  GGUF missing, corrupt, or llama-cpp absent
    ├── ConnectorError                  exit 30  a data source failed (see connectors.errors)
    ├── BudgetExceededError             exit 40  a configured cost budget would be exceeded
    ├── HistoryError                    exit 50  history database problem
    │   └── ConversationNotFoundError   exit 51
    └── BriefError                      exit 60  a scheduled brief could not run
        ├── BriefDefinitionError        exit 61  briefs.toml is invalid (file, brief, field, fix)
        ├── BriefNotFoundError          exit 62  no brief of that name
        └── DeliveryError               exit 63  a delivery failed for good (permanent or retries spent)

The root, UsageError, ConfigError and ConnectorError are defined in :mod:`connectors.errors`
(re-exported here). Exit 130 means the user interrupted (Ctrl-C) outside a reply.
"""

from __future__ import annotations

# The root, the usage and config branches and ConnectorError are defined in connectors/ (the
# bottom layer, which must not import bot/); this module extends that one tree.
from connectors.errors import BriefbotError, ConfigError, ConnectorError, UsageError

__all__ = [
    "AuthenticationError", "BadRequestError", "BriefDefinitionError", "BriefError", "BriefNotFoundError",
    "BriefbotError", "BudgetExceededError", "ConfigError", "ConnectorError", "ContextTooLongError",
    "ConversationNotFoundError", "DeliveryError", "EXIT_INTERRUPTED", "EmbeddedModelError",
    "EndpointUnreachableError", "HistoryError", "InvalidKeyFormatError", "LLMError", "LLMTimeoutError",
    "ModelNotFoundError", "QuotaExceededError", "RateLimitError", "ServerError", "UsageError",
    "exit_code_table",
]


class InvalidKeyFormatError(ConfigError):
    exit_code = 4


class LLMError(BriefbotError):
    exit_code = 10


class AuthenticationError(LLMError):
    exit_code = 11


class QuotaExceededError(LLMError):
    exit_code = 12


class RateLimitError(LLMError):
    exit_code = 13


class ContextTooLongError(LLMError):
    exit_code = 14


class ModelNotFoundError(LLMError):
    exit_code = 15


class EndpointUnreachableError(LLMError):
    exit_code = 16


class LLMTimeoutError(LLMError):
    exit_code = 17


class ServerError(LLMError):
    exit_code = 18


class BadRequestError(LLMError):
    exit_code = 19


class EmbeddedModelError(LLMError):
    exit_code = 20


class BudgetExceededError(BriefbotError):
    exit_code = 40


class HistoryError(BriefbotError):
    exit_code = 50


class ConversationNotFoundError(HistoryError):
    exit_code = 51


class BriefError(BriefbotError):
    """A scheduled brief could not run."""

    exit_code = 60


class BriefDefinitionError(BriefError):
    """briefs.toml is invalid: the message names the file, the brief, the field and the fix."""

    exit_code = 61


class BriefNotFoundError(BriefError):
    """No brief of that name is defined."""

    exit_code = 62


class DeliveryError(BriefError):
    """A delivery failed for good: a permanent refusal, or its retries were spent."""

    exit_code = 63


EXIT_INTERRUPTED = 130


def exit_code_table() -> list[tuple[int, str, str]]:
    """(code, class name, first docstring line) for every error class, for docs and tests."""
    rows: list[tuple[int, str, str]] = []
    stack: list[type[BriefbotError]] = [BriefbotError]
    while stack:
        cls = stack.pop()
        rows.append((cls.exit_code, cls.__name__, (cls.__doc__ or "").strip().split("\n")[0]))
        stack.extend(cls.__subclasses__())
    return sorted(rows)
