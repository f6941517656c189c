"""Reading one ``[[NAME.deliver]]`` table: known keys, ``${VAR}`` secrets, clear errors.

Secrets (webhook URLs with tokens, bot tokens, signing secrets) come from the environment
(or ``.env``) as ``${VAR}``; the definitions file is shared, committed and backed up, so
a secret written into it is refused, with the variable to use instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from bot.errors import BriefDefinitionError

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Values that are credentials by their shape, whoever wrote them.
_LITERAL_SECRETS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"hooks\.slack\.com/(services|workflows|triggers)/", re.I), "a Slack webhook URL"),
    (re.compile(r"discord(app)?\.com/api/webhooks/\d+/[\w-]{20,}", re.I), "a Discord webhook URL with its token"),
    (re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}"), "a Telegram bot token"),
    (re.compile(r"whsec_"), "a webhook signing secret"),
)


class DeliverFields:
    """The table of one destination, read field by field; unknown keys are caught up front."""

    def __init__(self, table: Mapping[str, Any], *, env: Mapping[str, str], where: str, kind: str) -> None:
        self.table = table
        self.env = env
        self.where = where
        self.kind = kind

    def fail(self, field: str, problem: str, hint: str) -> BriefDefinitionError:
        return BriefDefinitionError(f"{self.where}: `{field}` {problem}", hint=hint)

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        known = ("to", *allowed)
        for name in self.table:
            if name not in known:
                raise BriefDefinitionError(
                    f"{self.where}: unknown key `{name}` for to = \"{self.kind}\"",
                    hint=f"a {self.kind} destination takes: {', '.join(known)}",
                )

    def text(self, name: str, *, example: str, required: bool = True, numeric: bool = False) -> str | None:
        """The raw string (``${VAR}`` unresolved); a literal credential is refused here.
        ``numeric``: an integer is accepted too (chat ids are often written unquoted)."""
        value = self.table.get(name)
        if value is None:
            if required:
                raise self.fail(name, f"is missing (a {self.kind} destination needs it)", f'add {name} = "{example}"')
            return None
        if numeric and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, f"must be a non-empty string, not {value!r}", f'write {name} = "{example}"')
        for pattern, what in _LITERAL_SECRETS:
            if pattern.search(_VARIABLE.sub("", value)):
                raise self.fail(
                    name,
                    f"contains {what} written into the file; secrets must come from the environment",
                    f"put it in the environment or .env as {suggested_variable(self.kind, name)}=… and write "
                    f'{name} = "${{{suggested_variable(self.kind, name)}}}" (then revoke this one: '
                    "it is in the file's history)",
                )
        return value.strip()

    def plain(self, name: str, *, example: str, numeric: bool = False) -> str:
        """A value that is not a secret: written as is; ``${VAR}`` works too."""
        value = self.text(name, example=example, numeric=numeric)
        assert value is not None
        return self._resolve(name, value)

    def secret(self, name: str, *, variable: str, example: str) -> str:
        """A credential: it must be a ``${VAR}`` reference, never the value itself."""
        value = self.text(name, example=f"${{{variable}}}")
        assert value is not None
        if not _VARIABLE.search(value):
            raise self.fail(
                name,
                "is written into the file; a secret must come from the environment",
                f'write {name} = "${{{variable}}}" and set {variable} (e.g. in .env) to {example}',
            )
        return self._resolve(name, value)

    def url(self, name: str, *, variable: str, must_be_secret: bool) -> str:
        """An http(s) URL; chat webhooks carry their token in it, so they must be ``${VAR}``."""
        if must_be_secret:
            resolved = self.secret(name, variable=variable, example="the webhook URL the service gave you")
        else:
            resolved = self.plain(name, example=f"${{{variable}}}")
        parts = urlsplit(resolved)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raw = str(self.table.get(name))
            shown = f"(the value of {raw})" if _VARIABLE.search(raw) else repr(resolved)
            raise self.fail(name, f"is not an http(s) URL: {shown}", f"set it to the full https://… URL")
        return resolved

    def _resolve(self, name: str, value: str) -> str:
        missing = [m.group(1) for m in _VARIABLE.finditer(value) if not self.env.get(m.group(1))]
        if missing:
            raise self.fail(
                name,
                f"uses ${{{missing[0]}}}, which is not set",
                f"set {missing[0]} in the environment or in .env",
            )
        return _VARIABLE.sub(lambda m: self.env[m.group(1)], value)


def suggested_variable(kind: str, field: str) -> str:
    """The environment variable name the docs use for a destination's secret field."""
    names = {"url": f"{kind.upper()}_WEBHOOK_URL", "token": "TELEGRAM_BOT_TOKEN", "secret": "WEBHOOK_SECRET"}
    return names.get(field, f"{kind.upper()}_{field.upper()}")
