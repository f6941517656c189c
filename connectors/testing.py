"""The connector contract kit: pytest tests every connector, built-in or third-party, inherits.

Subclass :class:`ConnectorContract` in a ``test_*.py`` file (the class name must start with
``Test``), point it at the connector and at *recorded* upstream answers, and pytest runs the
whole contract against it::

    class TestDemoContract(ConnectorContract):
        connector = DemoConnector
        params = {"item": "apple"}
        success = [Recorded("https://api.example.com/v1/items/apple", json={...})]
        bad_params = [({"item": ""}, "item")]

What the contract checks, with no network (``responses`` answers every request) and no real
sleeping (a fake clock records the waits):

* metadata: name, description, examples that parse, every param described;
* params: bad values and unknown names raise InvalidParams naming the parameter, before any request;
* transform: the recorded payloads become records with full provenance (source, redacted
  URL, UTC fetched_at, aware as_of), of the declared types, in the declared number of calls;
* caching: a fresh repeat sends no request; when the source is down, the cached copy comes
  back marked stale with its age;
* shared machinery: 5xx then success, 429 with Retry-After (obeyed exactly), timeouts
  (SourceUnavailable after the attempt cap), a non-JSON body (MalformedResponse);
* error mapping: each declared :class:`ErrorCase` raises its class with its message;
* redaction: with canary keys configured, no record, cache file or error message contains them;
* hostile upstreams: a redirect to another host is refused before anything (a key above all)
  reaches it; a body over the size limit is refused; the recorded answers with every number
  made NaN end in SchemaDriftError and nothing is cached. For a live fault schedule against a
  real server, see ``tests/support/fault_upstream.py`` in briefbot's repository.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
import responses

from connectors.base import Connector
from connectors.errors import (
    BriefbotError,
    InvalidParams,
    MalformedResponse,
    RateLimited,
    ResponseTooLarge,
    SchemaDriftError,
    SourceUnavailable,
)
from connectors.records import Record
from connectors.registry import ConnectorRegistry
from connectors.retry import RetryPolicy
from connectors.settings import ConnectorSettings
from connectors.runtime import ConnectorRuntime

# Obviously fake keys: if one of these ever shows up in output, redaction failed.
CANARY_KEYS: dict[str, str] = {
    "alphavantage_api_key": "AVCANARYKEY0000NOTREAL",
    "coingecko_api_key": "CG-CANARY0000NOTREALKEY",
    "openai_api_key": "sk-canary-0000-0000-0000-notreal",
}
FAKE_EPOCH = datetime(2026, 1, 15, 3, 0, tzinfo=timezone.utc)


class FakeClock:
    """Monotonic and wall clock in one; ``sleep`` advances both and records the wait."""

    def __init__(self, start: datetime = FAKE_EPOCH) -> None:
        self.start = start
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.elapsed

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds


def make_runtime(
    cache_dir: Path | None,
    *,
    clock: FakeClock | None = None,
    settings: Mapping[str, Any] | None = None,
    connectors: Sequence[type[Connector[Any]]] = (),
    env: Mapping[str, str] | None = None,
) -> ConnectorRuntime:
    """A runtime with a fake clock, no plugins, and (optionally) extra connectors registered."""
    clock = clock or FakeClock()
    registry = ConnectorRegistry.default(plugins=False)
    for connector in connectors:
        registry.add(connector, origin="test")
    return ConnectorRuntime(
        ConnectorSettings.from_values(settings or {}),
        cache_dir=cache_dir,
        env=dict(env or {}),
        registry=registry,
        clock=clock.monotonic,
        sleep=clock.sleep,
        now=clock.now,
        retry_policy=RetryPolicy(),
    )


def parse_example(example: str) -> dict[str, str]:
    """``"place=서울 days=3"`` -> {"place": "서울", "days": "3"} (as the CLI would pass them)."""
    out: dict[str, str] = {}
    for token in shlex.split(example):
        name, sep, value = token.partition("=")
        if not sep:
            raise ValueError(f"example token {token!r} is not name=value")
        out[name] = value
    return out


@dataclass(frozen=True)
class Recorded:
    """One recorded upstream answer. ``url`` matches as a prefix (query strings vary)."""

    url: str
    json: Any = None
    body: str | None = None
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)

    def register(self, rsps: responses.RequestsMock) -> None:
        pattern = re.compile("^" + re.escape(self.url))
        body = self.body if self.body is not None else json.dumps(self.json, ensure_ascii=False)
        rsps.add(
            responses.GET, pattern, body=body.encode("utf-8"), status=self.status,
            headers=dict(self.headers), content_type="application/json; charset=utf-8",
        )


@dataclass(frozen=True)
class ErrorCase:
    """Params + recorded answers that must end in ``error`` whose text contains ``message``."""

    id: str
    responses: Sequence[Recorded]
    error: type[BriefbotError]
    message: str
    params: Mapping[str, Any] | None = None  # default: the contract's good params
    calls: int | None = None  # requests expected; None = not checked


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class ConnectorContract:
    connector: ClassVar[type[Connector[Any]]]
    params: ClassVar[Mapping[str, Any]]
    success: ClassVar[Sequence[Recorded]]
    bad_params: ClassVar[Sequence[tuple[Mapping[str, Any], str]]] = ()
    error_cases: ClassVar[Sequence[ErrorCase]] = ()
    expected_kinds: ClassVar[Sequence[str]] = ()  # kinds of the success records, in order
    settings: ClassVar[Mapping[str, Any]] = {}

    # -- plumbing ------------------------------------------------------------------------
    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    def rsps(self) -> Iterator[responses.RequestsMock]:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            yield mock

    def runtime(self, tmp_path: Path, clock: FakeClock, **settings: Any) -> ConnectorRuntime:
        return make_runtime(
            tmp_path / "cache", clock=clock, settings={**self.settings, **settings}, connectors=[self.connector]
        )

    def _fetch(self, runtime: ConnectorRuntime, params: Mapping[str, Any] | None = None) -> list[Record]:
        return runtime.fetch(self.connector.name, self.params if params is None else params).records

    def _register_success(self, rsps: responses.RequestsMock) -> None:
        for recorded in self.success:
            recorded.register(rsps)

    def _failing_first(self, rsps: responses.RequestsMock, failure: Recorded | None, exc: Exception | None = None) -> None:
        first = self.success[0]
        pattern = re.compile("^" + re.escape(first.url))
        if exc is not None:
            rsps.add(responses.GET, pattern, body=exc)
        elif failure is not None:
            failure.register(rsps)
        self._register_success(rsps)

    # -- the contract --------------------------------------------------------------------
    def test_contract_metadata(self) -> None:
        cls = self.connector
        assert re.fullmatch(r"[a-z][a-z0-9_]*", cls.name), "name: lower-case word (it is typed on the CLI)"
        assert cls.description and cls.source
        assert cls.record_types and all(issubclass(t, Record) for t in cls.record_types)
        assert cls.examples, "give at least one example (shown by `connectors show`)"
        for example in cls.examples:
            cls.parse_params(parse_example(example))
        for info in cls.params_table():
            assert info.description, f"param {info.name} has no description"

    def test_contract_bad_params_rejected_before_any_request(self, rsps: responses.RequestsMock) -> None:
        cases = [*self.bad_params, ({**self.params, "no_such_param": "1"}, "no_such_param")]
        for params, name in cases:
            with pytest.raises(InvalidParams) as info:
                self.connector.parse_params(params)
            assert name in str(info.value), f"{params}: the message should name {name!r}: {info.value}"
        assert len(rsps.calls) == 0

    def test_contract_success_records_carry_provenance(
        self, tmp_path: Path, clock: FakeClock, rsps: responses.RequestsMock
    ) -> None:
        self._register_success(rsps)
        records = self._fetch(self.runtime(tmp_path, clock))
        assert records
        assert len(rsps.calls) == len(self.success)
        if self.expected_kinds:
            assert [r.kind for r in records] == list(self.expected_kinds)
        for record in records:
            assert isinstance(record, self.connector.record_types)
            assert record.connector == self.connector.name
            assert record.source and record.subject
            assert record.source_url.startswith(("http://", "https://"))
            assert record.fetched_at.utcoffset() == timedelta(0)
            assert record.as_of.tzinfo is not None
            assert record.stale is False

    def test_contract_fresh_repeat_sends_no_request(
        self, tmp_path: Path, clock: FakeClock, rsps: responses.RequestsMock
    ) -> None:
        self._register_success(rsps)
        runtime = self.runtime(tmp_path, clock)
        first = runtime.fetch(self.connector.name, self.params)
        sent = len(rsps.calls)
        again = runtime.fetch(self.connector.name, self.params)
        assert len(rsps.calls) == sent
        assert again.from_cache and [r.model_dump() for r in again.records] == [r.model_dump() for r in first.records]

    def test_contract_stale_copy_served_when_source_down(
        self, tmp_path: Path, clock: FakeClock, rsps: responses.RequestsMock
    ) -> None:
        self._register_success(rsps)
        runtime = self.runtime(tmp_path, clock)
        runtime.fetch(self.connector.name, self.params)
        clock.advance(self.connector.ttl_seconds + 600)
        rsps.reset()
        rsps.add(responses.GET, re.compile(".*"), status=503, body="down")
        result = runtime.fetch(self.connector.name, self.params)
        assert result.stale and all(r.stale for r in result.records)
        assert all(r.note and "stale: cached" in r.note and "ago" in r.note for r in result.records)

    def test_contract_5xx_is_retried_then_succeeds(
        self, tmp_path: Path, clock: FakeClock, rsps: responses.RequestsMock
    ) -> None:
        self._failing_first(rsps, Recorded(self.success[0].url, body="upstream trouble", status=503))
        records = self._fetch(self.runtime(tmp_path, clock))
        assert records
        assert len(rsps.calls) == len(self.success) + 1
        first = rsps.calls[0].response
        assert isinstance(first, requests.Response) and first.status_code == 503

    def test_contract_429_waits_exactly_retry_after(
        self, tmp_path: Path, clock: FakeClock, rsps: responses.RequestsMock
    ) -> None:
        self._failing_first(rsps, Recorded(self.success[0].url, json={"message": "slow down"}, status=429, headers={"Retry-After": "3"}))
        records = self._fetch(self.runtime(tmp_path, clock))
        assert records
        assert len(rsps.calls) == len(self.success) + 1
        assert 3.0 in clock.sleeps

    def test_contract_429_beyond_deadline_fails_fast(
        self, tmp_path: Path, clock: FakeClock, rsps: responses.RequestsMock
    ) -> None:
        self._failing_first(rsps, Recorded(self.success[0].url, json={"message": "slow down"}, status=429, headers={"Retry-After": "120"}))
        with pytest.raises(RateLimited) as info:
            self._fetch(self.runtime(tmp_path, clock, http_deadline=30))
        assert "120 s" in str(info.value) and "deadline" in str(info.value)
        assert len(rsps.calls) == 1 and 120.0 not in clock.sleeps

    def test_contract_timeout_gives_source_unavailable(
        self, tmp_path: Path, clock: FakeClock, rsps: responses.RequestsMock
    ) -> None:
        rsps.add(responses.GET, re.compile(".*"), body=requests.exceptions.ReadTimeout("read timed out"))
        with pytest.raises(SourceUnavailable) as info:
            self._fetch(self.runtime(tmp_path, clock))
        assert "did not answer in time" in str(info.value)
        assert len(rsps.calls) == RetryPolicy().max_attempts

    def test_contract_non_json_body_is_malformed(
        self, tmp_path: Path, clock: FakeClock, rsps: responses.RequestsMock
    ) -> None:
        rsps.add(responses.GET, re.compile(".*"), body="<html>captive portal</html>", status=200)
        with pytest.raises(MalformedResponse) as info:
            self._fetch(self.runtime(tmp_path, clock))
        assert "not JSON" in str(info.value)
        assert len(rsps.calls) == 1  # a wrong body is an answer, not a reason to retry

    def test_contract_error_mapping(self, tmp_path: Path, clock: FakeClock) -> None:
        for case in self.error_cases:
            with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
                for recorded in case.responses:
                    recorded.register(rsps)
                runtime = make_runtime(None, clock=clock, settings=self.settings, connectors=[self.connector])
                with pytest.raises(case.error) as info:
                    self._fetch(runtime, case.params)
                assert type(info.value) is case.error, f"{case.id}: got {type(info.value).__name__}: {info.value}"
                assert case.message in str(info.value), f"{case.id}: {info.value}"
                if case.calls is not None:
                    assert len(rsps.calls) == case.calls, f"{case.id}: {len(rsps.calls)} requests"

    def test_contract_no_secret_in_records_cache_or_errors(
        self, tmp_path: Path, clock: FakeClock, rsps: responses.RequestsMock
    ) -> None:
        canaries = {**CANARY_KEYS}
        settings = dict(canaries)
        self._register_success(rsps)
        runtime = self.runtime(tmp_path, clock, **settings)
        records = runtime.fetch(self.connector.name, self.params).records
        texts = [json.dumps([r.model_dump(mode="json") for r in records], ensure_ascii=False)]
        texts += [p.read_text(encoding="utf-8") for p in (tmp_path / "cache").rglob("*.json")]
        for case in self.error_cases:
            with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
                for recorded in case.responses:
                    recorded.register(mock)
                failing = make_runtime(None, clock=clock, settings={**self.settings, **settings}, connectors=[self.connector])
                try:
                    self._fetch(failing, case.params)
                except BriefbotError as exc:
                    texts.append(str(exc))
        # An upstream that echoes keys back (Alpha Vantage's daily-limit body does) in an error
        # and in a 200 body that is not what was asked: whatever the connector raises or stores
        # must not carry them. Keyless connectors are held to this too, so the check can fail.
        echo = "; ".join(f"key {value} rejected" for value in canaries.values())
        for status in (400, 200):
            with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
                mock.add(responses.GET, re.compile(".*"), json={"error": True, "reason": echo, "message": echo}, status=status)
                echoing = make_runtime(None, clock=clock, settings={**self.settings, **settings}, connectors=[self.connector])
                try:
                    records = self._fetch(echoing)
                    texts.append(json.dumps([r.model_dump(mode="json") for r in records], ensure_ascii=False))
                except BriefbotError as exc:
                    texts.append(str(exc))
        for text in texts:
            for canary in canaries.values():
                assert canary not in text

    # -- hostile upstreams -------------------------------------------------------------------
    def test_contract_redirect_to_another_host_is_refused(
        self, tmp_path: Path, clock: FakeClock, rsps: responses.RequestsMock
    ) -> None:
        elsewhere = "https://elsewhere.invalid/collect"
        rsps.add(responses.GET, re.compile(".*"), status=302, headers={"Location": elsewhere})
        settings = dict(CANARY_KEYS)
        with pytest.raises(SourceUnavailable) as info:
            self._fetch(self.runtime(tmp_path, clock, **settings))
        assert "another host" in str(info.value)
        assert rsps.calls and not any(str(c.request.url).startswith(elsewhere) for c in rsps.calls)
        assert not list((tmp_path / "cache").rglob("*.json"))

    def test_contract_oversize_body_is_refused(
        self, tmp_path: Path, clock: FakeClock, rsps: responses.RequestsMock
    ) -> None:
        rsps.add(responses.GET, re.compile(".*"), body='{"pad": "' + "x" * 8192 + '"}', status=200)
        with pytest.raises(ResponseTooLarge):
            self._fetch(self.runtime(tmp_path, clock, http_max_body_bytes=4096))
        assert len(rsps.calls) == 1  # not retried: it would be as big again

    def test_contract_nan_everywhere_is_refused_and_not_cached(
        self, tmp_path: Path, clock: FakeClock, rsps: responses.RequestsMock
    ) -> None:
        for recorded in self.success:
            body = recorded.body if recorded.body is not None else json.dumps(recorded.json, ensure_ascii=False)
            # Bare numbers become NaN, numbers sent as text (Alpha Vantage) become "nan".
            poisoned = re.sub(r'(?<=[:\[,] )-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?=[,\]}])', "NaN", body)
            poisoned = re.sub(r'(?<=[:\[,] )"-?\d+(?:\.\d+)?"', '"nan"', poisoned)
            Recorded(recorded.url, body=poisoned, status=recorded.status, headers=recorded.headers).register(rsps)
        with pytest.raises(SchemaDriftError) as info:
            self._fetch(self.runtime(tmp_path, clock))
        assert info.value.exit_code == 36
        assert not list((tmp_path / "cache").rglob("*.json"))
