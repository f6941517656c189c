"""Keeping secrets out of everything briefbot prints, logs, stores or raises.

Two complementary nets:

* known values: every secret the settings hold (API keys, webhook URLs) is registered with a
  :class:`Redactor`, which replaces each occurrence by its mask;
* shapes: text that *looks* like a secret (``sk-...`` keys, ``Bearer`` tokens, ``apikey=``
  style query parameters, chat webhook URLs) is masked even when briefbot never saw the value,
  e.g. a key echoed back by an upstream API in an error body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query/body parameter names whose values are credentials at the providers we talk to.
SECRET_PARAM_NAMES = frozenset(
    {
        "apikey",
        "api_key",
        "api-key",
        "key",
        "token",
        "access_token",
        "appid",
        "secret",
        "x_cg_demo_api_key",
        "x_cg_pro_api_key",
        "password",
        "sig",
        "signature",
    }
)

_KEY_SHAPE = re.compile(r"\b(sk-(?:proj-|svcacct-|admin-)?)[A-Za-z0-9_\-]{12,}([A-Za-z0-9]{4})\b")
_BEARER = re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9._\-~+/]{8,}=*)")
_PARAM = re.compile(
    r"(?i)\b(" + "|".join(re.escape(n) for n in sorted(SECRET_PARAM_NAMES, key=len, reverse=True)) + r")"
    r"(=|\"\s*:\s*\"|:\s*)([^&\s\"',}]{4,})"
)
_WEBHOOK = re.compile(
    r"https?://(?:hooks\.slack\.com/services|discord(?:app)?\.com/api/webhooks|"
    r"[a-z0-9.-]*webhook\.office\.com)/[^\s\"'<>]+",
    re.IGNORECASE,
)

# A Telegram bot token ("123456789:AA...", 35 characters after the colon), also inside the
# API's URL path (/bot<token>/sendMessage), and a Standard Webhooks signing secret.
_TELEGRAM_TOKEN = re.compile(r"\b(bot)?\d{6,12}:[A-Za-z0-9_-]{30,}")
_WEBHOOK_SECRET = re.compile(r"\bwhsec_[A-Za-z0-9+/=]{8,}")

REDACTED = "[REDACTED]"


def mask(secret: str) -> str:
    """A recognisable but useless form of a secret: ``sk-…abcd``.

    Short secrets show nothing of themselves: four characters of an eight-character
    token would be half of it.
    """
    if len(secret) < 16:
        return "…" if secret else ""
    prefix = ""
    m = re.match(r"(sk-(?:proj-|svcacct-|admin-)?)", secret)
    if m:
        prefix = m.group(1)
    elif secret.startswith(("http://", "https://")):
        parts = urlsplit(secret)
        return f"{parts.scheme}://{parts.hostname}/…"
    return f"{prefix}…{secret[-4:]}"


class Redactor:
    """Masks registered secret values and secret-shaped text in any string."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        # Very short values ("x", "EMPTY" for local servers) are not secrets worth
        # scrubbing and would mangle ordinary text.
        if secret and len(secret) >= 8:
            self._secrets.add(secret)

    def scrub(self, text: str) -> str:
        if not text:
            return text
        # Longest first, so a secret containing another one is masked whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, mask(secret))
        return scrub_shapes(text)


def scrub_shapes(text: str) -> str:
    """Mask text that looks like a credential, whoever it belongs to."""
    text = _WEBHOOK.sub(lambda m: mask(m.group(0)), text)
    text = _TELEGRAM_TOKEN.sub(lambda m: f"{m.group(1) or ''}{REDACTED}", text)
    text = _WEBHOOK_SECRET.sub(f"whsec_{REDACTED}", text)
    text = _KEY_SHAPE.sub(lambda m: f"{m.group(1)}…{m.group(2)}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    text = _PARAM.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return text


def redact_url(url: str, extra_names: Iterable[str] = ()) -> str:
    """The URL with the values of credential query parameters replaced by ``[REDACTED]``."""
    names = SECRET_PARAM_NAMES | {n.lower() for n in extra_names}
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [
        (k, REDACTED if k.lower() in names else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="[],:")))
