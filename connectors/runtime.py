"""Running connectors: params in, records out, with the cache and stale fallback around it.

:class:`ConnectorRuntime` is what the bot and the CLI hold for one invocation. It owns the
shared HTTP client (session, rate limits) and the cache, so every fetch in the process —
including concurrent ones from :func:`connectors.concurrent.fetch_many` — shares them.

Cache policy per fetch:

* a fresh entry (younger than the connector's TTL for those params) is returned with no
  request at all;
* otherwise the source is asked; a success replaces the entry;
* if the source is down or rate-limiting (:data:`connectors.errors.TRANSIENT_FAILURES`) and an
  entry younger than ``stale_max_seconds`` exists, it is returned with every record marked
  ``stale`` and a note giving its age and the reason. Any other error (bad symbol, schema
  drift) is raised: old data would hide a real problem.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests
from pydantic import ValidationError

from connectors.redact import Redactor
from connectors.base import Connector, ConnectorContext
from connectors.cache import FileCache, cache_key
from connectors.errors import TRANSIENT_FAILURES, SchemaDriftError
from connectors.http import HttpClient
from connectors.records import Record
from connectors.registry import ConnectorRegistry
from connectors.retry import RetryPolicy
from connectors.settings import ConnectorSettings, ConnectorSettingsSource


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class FetchResult:
    connector: str
    params: dict[str, Any]
    records: list[Record]
    source: str
    fetched_at: datetime
    as_of: datetime
    from_cache: bool = False
    stale: bool = False
    warning: str | None = None  # why stale data was served

    def to_json(self) -> dict[str, Any]:
        """The CLI's `--json` object: exactly these five keys."""
        return {
            "connector": self.connector,
            "records": [r.model_dump(mode="json") for r in self.records],
            "source": self.source,
            "fetched_at": self.fetched_at.isoformat(),
            "as_of": self.as_of.isoformat(),
        }


@dataclass
class ConnectorRuntime:
    """``settings`` is the app's Settings (anything with ``connector_settings``) or a ready
    :class:`ConnectorSettings`; connectors only ever see the latter."""

    settings: ConnectorSettingsSource | ConnectorSettings
    cache_dir: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    registry: ConnectorRegistry | None = None
    session: requests.Session | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = utc_now
    retry_policy: RetryPolicy | None = None
    redactor: Redactor | None = None

    def __post_init__(self) -> None:
        self.registry = self.registry or ConnectorRegistry.default()
        self.connector_settings = self._connector_settings(self.settings, self.registry)
        if self.redactor is None:
            self.redactor = self.settings.redactor()
        # The keys declared by plugins live only in the environment: teach them to the redactor
        # (the app's own, when the app passes it), so whatever the app prints or stores masks them.
        for secret in self.connector_settings.secret_values():
            self.redactor.add(secret)
        settings = self.connector_settings
        self.http = HttpClient(
            timeout=settings.http_timeout,
            deadline=settings.http_deadline,
            rewrite=settings.http_rewrite,
            redactor=self.redactor,
            clock=self.clock,
            sleep=self.sleep,
            now=self.now,
            policy=self.retry_policy,
            session=self.session,
        )
        self.cache = FileCache(self.cache_dir, redactor=self.redactor) if self.cache_dir else None
        self.context = ConnectorContext(
            settings=settings, http=self.http, now=self.now, cache=self.cache, env=self.env
        )

    def _connector_settings(
        self, source: ConnectorSettingsSource | ConnectorSettings, registry: ConnectorRegistry
    ) -> ConnectorSettings:
        if isinstance(source, ConnectorSettings):
            return source
        declared = [key for name in registry.names() for key in registry.get(name).key_settings]
        return source.connector_settings(declared, self.env)

    def __enter__(self) -> ConnectorRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
        self.http.close()

    def connector(self, name: str) -> Connector[Any]:
        assert self.registry is not None
        cls = self.registry.get(name)
        limit = self.connector_settings.http_max_body_bytes or cls.max_body_bytes
        return cls(replace(self.context, http=self.http.with_body_limit(limit)))

    def fetch(self, name: str, params: Mapping[str, Any] | None = None, *, refresh: bool = False) -> FetchResult:
        """Fetch one connector's records. Raises a :class:`bot.errors.ConnectorError` subclass."""
        connector = self.connector(name)
        parsed = connector.parse_params({**connector.param_defaults(), **(params or {})})
        normalized = parsed.model_dump(mode="json", exclude_none=True)
        key = cache_key(name, normalized, self.connector_settings.http_rewrite or "")
        entry = self.cache.load(name, key) if self.cache else None
        now = self.now()
        if entry is not None and not refresh and entry.age_seconds(now) < connector.ttl_for(parsed):
            records = self._restore(connector, entry.value)
            if records is not None:
                return self._result(connector, normalized, records, from_cache=True)

        try:
            records = connector.fetch(parsed)
        except TRANSIENT_FAILURES as exc:
            if entry is None or entry.age_seconds(now) > connector.stale_max_seconds:
                raise
            restored = self._restore(connector, entry.value)
            if restored is None:
                raise
            age = _describe_age(entry.age_seconds(now))
            note = f"stale: cached {age} ago, because the source failed now ({exc.message})"
            stale = [r.model_copy(update={"stale": True, "note": _join(r.note, note)}) for r in restored]
            return self._result(
                connector, normalized, stale, from_cache=True, stale=True, warning=str(exc)
            )
        except ValidationError as exc:
            raise _impossible_values(connector, exc) from None  # pydantic's text repeats the input
        if not records:
            raise SchemaDriftError(f"{name}: the source answered but produced no records", field="(records)")
        if self.cache is not None:
            self.cache.store(name, key, [_dump(r) for r in records], now=now)
        return self._result(connector, normalized, records)

    def _result(self, connector: Connector[Any], params: dict[str, Any], records: list[Record], **kw: Any) -> FetchResult:
        primary = records[0]
        return FetchResult(
            connector=connector.name,
            params=params,
            records=records,
            source=primary.source,
            fetched_at=primary.fetched_at,
            as_of=primary.as_of,
            **kw,
        )

    @staticmethod
    def _restore(connector: Connector[Any], value: Any) -> list[Record] | None:
        types = {cls.__name__: cls for cls in connector.record_types}
        try:
            return [types[item["type"]].model_validate(item["data"]) for item in value]
        except Exception:  # noqa: BLE001 - an entry from an older briefbot is simply a miss
            return None


def _impossible_values(connector: Connector[Any], exc: ValidationError) -> SchemaDriftError:
    """A record refused at the boundary (NaN, inf, a time outside 1970-2100), naming the field."""
    # The loc of a union member ends in its type name ("float"); it says nothing to a user.
    problems = [
        (".".join(str(p) for p in err["loc"] if p not in ("float", "int", "str", "bool")), err["msg"])
        for err in exc.errors(include_input=False, include_url=False)
    ] or [("(records)", "refused")]
    return SchemaDriftError(
        f"{connector.name}: {connector.source} answered a value that cannot be right — "
        + "; ".join(f"field '{where}': {msg}" for where, msg in problems[:3]),
        hint="the source sent broken data (NaN, infinity or an impossible time); nothing was cached from it — "
        "try again later",
        field=problems[0][0],
    )


def _dump(record: Record) -> dict[str, Any]:
    return {"type": type(record).__name__, "data": record.model_dump(mode="json")}


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def _describe_age(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
