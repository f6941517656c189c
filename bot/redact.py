"""Keeping secrets out of everything briefbot prints, logs, stores or raises.

The implementation lives in :mod:`connectors.redact` (connectors redact their own requests and
must not import the app); this module is the app's name for the same objects.
"""

from __future__ import annotations

from connectors.redact import (
    REDACTED,
    SECRET_PARAM_NAMES,
    Redactor,
    StreamRedactor,
    mask,
    redact_url,
    scrub_shapes,
    url_secrets,
)

__all__ = [
    "REDACTED",
    "SECRET_PARAM_NAMES",
    "Redactor",
    "StreamRedactor",
    "mask",
    "redact_url",
    "scrub_shapes",
    "url_secrets",
]
