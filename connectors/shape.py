"""Reading upstream payloads defensively: a missing or mistyped field names itself.

``require(payload, "current", "temperature_2m", source="Open-Meteo")`` either returns the
value or raises :class:`~connectors.errors.SchemaDriftError` saying *which* field of *which*
source changed, which is what a user (or the maintainer reading the bug report) needs.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone, tzinfo
from typing import Any

from connectors.errors import SchemaDriftError

# Times a data source can honestly report. An epoch value outside this (inf, 1e15 read as
# seconds) is a broken or hostile answer, and datetime would raise on it anyway.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)

Path = tuple[str | int, ...]


def _drift(source: str, path: Path, problem: str) -> SchemaDriftError:
    name = dotted(path)
    return SchemaDriftError(
        f"{source} response {problem}: field '{name}'",
        hint="the upstream API may have changed; update briefbot, or report it with this message",
        field=name,
    )


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(body)"


def require(payload: Any, *path: str | int, source: str) -> Any:
    node = payload
    for i, part in enumerate(path):
        here = path[: i + 1]
        if isinstance(part, int):
            if not isinstance(node, list) or not -len(node) <= part < len(node):
                raise _drift(source, here, "is missing")
        elif not isinstance(node, dict) or part not in node:
            raise _drift(source, here, "is missing")
        node = node[part]
    return node


def require_number(payload: Any, *path: str | int, source: str, nullable: bool = False) -> float | None:
    value = require(payload, *path, source=source)
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _drift(source, path, f"has {type(value).__name__} where a number was expected")
    try:
        number = float(value)
    except ValueError:
        raise _drift(source, path, f"has {value!r} where a number was expected") from None
    if not math.isfinite(number):
        # JSON NaN/Infinity and "nan" parse as floats; cached, they broke every later answer.
        raise _drift(source, path, f"has {value!r} where a finite number was expected")
    return number


def epoch_time(value: Any, tz: tzinfo, *, source: str, field: str, per_second: float = 1.0) -> datetime:
    """``value`` (seconds since 1970, or milliseconds with ``per_second=1000``) as a time in ``tz``,
    refused as schema drift when it is not a finite number between 1970 and 2100."""
    try:
        seconds = float(value) / per_second
    except (TypeError, ValueError):
        seconds = math.nan
    if isinstance(value, bool) or not math.isfinite(seconds) or not EARLIEST.timestamp() <= seconds < LATEST.timestamp():
        raise SchemaDriftError(
            f"{source} response has an impossible time {value!r}: field '{field}' (expected 1970-2100)",
            hint="the source sent a broken value; nothing was cached from it — try again later",
            field=field,
        )
    return datetime.fromtimestamp(seconds, tz)


def require_epoch(payload: Any, *path: str | int, source: str, tz: tzinfo, per_second: float = 1.0) -> datetime:
    value = require_number(payload, *path, source=source)
    return epoch_time(value, tz, source=source, field=dotted(path), per_second=per_second)


def require_dict(payload: Any, *path: str | int, source: str) -> dict[str, Any]:
    value = require(payload, *path, source=source) if path else payload
    if not isinstance(value, dict):
        raise _drift(source, path, f"has {type(value).__name__} where an object was expected")
    return value


def require_list(payload: Any, *path: str | int, source: str) -> list[Any]:
    value = require(payload, *path, source=source) if path else payload
    if not isinstance(value, list):
        raise _drift(source, path, f"has {type(value).__name__} where a list was expected")
    return value


def mismatch(source: str, path: Path, *, requested: str, received: str, hint: str | None = None) -> SchemaDriftError:
    """The error for a well-formed payload that answers another request than the one sent.

    Using it would answer the user's question with figures for something they did not ask
    about, so the caller refuses it, naming both sides.
    """
    name = dotted(path)
    return SchemaDriftError(
        f"{source} answered a different request: asked for {requested}, received {received} (field '{name}')",
        hint=hint
        or "a cache or proxy, or a BRIEFBOT_HTTP_REWRITE target, in between served another request's answer; "
        "nothing was recorded from it",
        field=name,
    )


def require_echo(payload: Any, *path: str | int, requested: str, source: str, name: str = "") -> str:
    """The field where a source echoes what was asked (a base currency, a ticker), refused with
    :func:`mismatch` when it names something else (compared case-insensitively). ``name``
    prefixes both sides of the message ("base=USD")."""
    received = require_str(payload, *path, source=source)
    if received.upper() != requested.upper():
        label = f"{name}=" if name else ""
        raise mismatch(source, path, requested=label + requested, received=label + received)
    return received


def require_str(payload: Any, *path: str | int, source: str) -> str:
    value = require(payload, *path, source=source)
    if not isinstance(value, str):
        raise _drift(source, path, f"has {type(value).__name__} where text was expected")
    return value
