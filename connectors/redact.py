"""Keeping secrets out of everything briefbot prints, logs, stores or raises.

Two complementary nets:

* known values: every secret the settings hold (API keys, webhook URLs) is registered with a
  :class:`Redactor`, which replaces each occurrence by its mask;
* shapes: text that *looks* like a secret (``sk-...`` keys, ``Bearer`` tokens, ``apikey=``
  style query parameters, chat webhook URLs, the ``user:password@`` part of a URL) is masked
  even when briefbot never saw the value, e.g. a key echoed back by an upstream API.

Streamed text (a model's answer arriving in chunks) goes through :class:`StreamRedactor`,
which holds back the end of a chunk that could be the start of a secret until the next
chunk decides. A text that ends in a secret's first part (the stream broke there) is masked
from that part on: shown when the stream ends, or stored, it must not release half a key.
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
# scheme://user:password@ (or a bare token@): userinfo is a credential wherever it appears.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^\s/?#@'\"<>\[\]]+)@")
_WEBHOOK = re.compile(
    r"https?://(?:hooks\.slack\.com/services|discord(?:app)?\.com/api/webhooks|"
    r"[a-z0-9.-]*webhook\.office\.com)/[^\s\"'<>]+",
    re.IGNORECASE,
)

# The same webhooks' paths on their own, as urllib3's debug log writes a request line
# ("POST /services/T…/B…/<secret> HTTP/1.1", host apart): the last segment is the secret.
_WEBHOOK_PATH = re.compile(r"(/(?:services/T[A-Z0-9]+/B[A-Z0-9]+|api/webhooks/\d+)/)[A-Za-z0-9_\-]{8,}")
# A Telegram bot token ("123456789:AA...", 35 characters after the colon), also inside the
# API's URL path (/bot<token>/sendMessage), and a Standard Webhooks signing secret.
_TELEGRAM_TOKEN = re.compile(r"\b(bot)?\d{6,12}:[A-Za-z0-9_-]{30,}")
_WEBHOOK_SECRET = re.compile(r"\bwhsec_[A-Za-z0-9+/=]{8,}")

REDACTED = "[REDACTED]"
# The shortest first part of a secret masked at the end of a text: 12 characters, beyond the 8
# of a public prefix such as "sk-proj-" (a mask shows 4 of the secret's characters itself).
MIN_CUT_SECRET = 12


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

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

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
        return scrub_shapes(self._mask_cut_secret(text))

    def _mask_cut_secret(self, text: str) -> str:
        """Text that ends in the first part of a secret (a streamed answer that broke inside an
        echoed key, stored or shown as it stopped) loses that part too."""
        for secret in self._secrets:
            for size in range(min(len(secret) - 1, len(text)), MIN_CUT_SECRET - 1, -1):
                if text.endswith(secret[:size]):
                    return text[:-size] + REDACTED
        return text


def scrub_shapes(text: str) -> str:
    """Mask text that looks like a credential, whoever it belongs to."""
    text = _WEBHOOK.sub(lambda m: mask(m.group(0)), text)
    text = _WEBHOOK_PATH.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    text = _TELEGRAM_TOKEN.sub(lambda m: f"{m.group(1) or ''}{REDACTED}", text)
    text = _WEBHOOK_SECRET.sub(f"whsec_{REDACTED}", text)
    text = _USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    text = _KEY_SHAPE.sub(lambda m: f"{m.group(1)}…{m.group(2)}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    text = _PARAM.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return text


def url_secrets(url: str) -> list[str]:
    """The credentials inside a URL: its userinfo and the values of credential query parameters."""
    parts = urlsplit(url)
    found = [v for v in (parts.username, parts.password) if v]
    found.extend(v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() in SECRET_PARAM_NAMES and v)
    return found


def redact_url(url: str, extra_names: Iterable[str] = ()) -> str:
    """The URL with its userinfo and the values of credential query parameters replaced by ``[REDACTED]``."""
    names = SECRET_PARAM_NAMES | {n.lower() for n in extra_names}
    parts = urlsplit(url)
    if "@" in parts.netloc:
        parts = parts._replace(netloc=f"{REDACTED}@{parts.netloc.rpartition('@')[2]}")
    if not parts.query:
        return urlunsplit(parts)
    pairs = [
        (k, REDACTED if k.lower() in names else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="[],:")))


class StreamRedactor:
    """Redacts text that arrives in chunks, so a secret split across chunks is still masked.

    ``feed(chunk)`` returns what is safe to show now and holds back the end that could still
    become (part of) a secret: the last word and the one before it (every secret shape is
    one word, or two with ``Bearer``/``key:`` before it — a word that introduces a secret is
    held with it), and any ending that is the start of a registered secret. The text is cut
    only at whitespace, so each piece is scrubbed exactly as the whole would be. ``flush()``
    returns the rest when the stream ends. Text with no whitespace at all (a long CJK
    sentence) is released once more than :attr:`max_hold` characters wait.
    """

    max_hold = 512
    _LAST_WORDS = re.compile(r"(?:\S+\s+)?\S*$")
    _PREVIOUS_WORD = re.compile(r"\S+\s*$")
    _INTRODUCES_SECRET = re.compile(
        r"(?i)(?:\bbearer|\b(?:" + "|".join(re.escape(n) for n in SECRET_PARAM_NAMES) + r")(?:\"\s*:\s*\"?|:|=))\s*$"
    )

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._pending = ""

    def feed(self, chunk: str) -> str:
        self._pending += chunk
        cut = self._safe_cut()
        if cut <= 0:
            return ""
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._redactor.scrub(ready)

    def flush(self) -> str:
        ready, self._pending = self._pending, ""
        return self._redactor.scrub(ready)

    def _safe_cut(self) -> int:
        text = self._pending
        words = self._LAST_WORDS.search(text)
        cut = words.start() if words else len(text)
        while cut > 0 and self._INTRODUCES_SECRET.search(text, 0, cut):
            previous = self._PREVIOUS_WORD.search(text, 0, cut)
            cut = previous.start() if previous else 0
        cut = min(cut, self._secret_prefix_start())
        return max(cut, len(text) - self.max_hold)

    def _secret_prefix_start(self) -> int:
        """Where the longest ending of the pending text that begins a known secret starts."""
        text = self._pending
        start = len(text)
        for secret in self._redactor.secrets:
            for size in range(min(len(secret) - 1, len(text)), 0, -1):
                if text.endswith(secret[:size]):
                    start = min(start, len(text) - size)
                    break
        return start
