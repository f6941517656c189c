"""The shared machinery: rewrite rules, Retry-After, backoff, rate limits, cache, fetch_many, registry."""

from __future__ import annotations

import json
import socket
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import responses

from bot.errors import ConfigError, ConnectorError, exit_code_table
from bot.redact import Redactor
from connectors import errors as connector_errors
from connectors.cache import FileCache
from connectors.concurrent import FetchFailure, fetch_many
from connectors.http import USER_AGENT, HttpClient, parse_rewrite_rules, rewrite_url
from connectors.ratelimit import HostRateLimiter, Rate
from connectors.registry import ConnectorRegistry
from connectors.retry import RetryPolicy, backoff_seconds, parse_retry_after
from connectors.runtime import ConnectorRuntime
from connectors.testing import FakeClock, make_runtime
from tests.connectors.payloads import fixture
from tests.support.replay_server import Reply, ReplayServer

FX = "https://api.frankfurter.dev/v1/latest"


def test_rewrite_rules_longest_prefix_wins() -> None:
    rules = parse_rewrite_rules("https://api.open-meteo.com=http://a:1, https://api.open-meteo.com/v1/forecast=http://b:2/f")
    assert rewrite_url("https://api.open-meteo.com/v1/forecast?x=1", rules) == "http://b:2/f?x=1"
    assert rewrite_url("https://api.open-meteo.com/v1/other", rules) == "http://a:1/v1/other"
    assert rewrite_url("https://api.frankfurter.dev/v1/latest", rules) == "https://api.frankfurter.dev/v1/latest"
    assert parse_rewrite_rules("") == [] and parse_rewrite_rules(None) == []


def test_bad_rewrite_rule_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        parse_rewrite_rules("https://a.example")
    assert "BRIEFBOT_HTTP_REWRITE" in str(info.value)


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 1, 15, 3, 0, tzinfo=timezone.utc)
    assert parse_retry_after("119") == 119
    assert parse_retry_after("Thu, 15 Jan 2026 03:00:30 GMT", now=now) == 30
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    policy = RetryPolicy(initial_wait=0.5, max_wait=8.0, jitter=0.5)
    for attempt, base in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0)]:
        waits = [backoff_seconds(policy, attempt) for _ in range(50)]
        assert all(base <= w <= base + 0.5 for w in waits)
        assert len(set(waits)) > 1  # jittered
    assert backoff_seconds(policy, 10) == 8.0


def test_rate_limiter_spaces_requests_per_host_only() -> None:
    clock = FakeClock()
    limiter = HostRateLimiter(clock=clock.monotonic, sleep=clock.sleep)
    for _ in range(3):
        limiter.acquire("a", Rate(2, 1.0))
    limiter.acquire("b", Rate(2, 1.0))
    assert clock.sleeps == [1.0]
    limiter.hold("b", 5.0)
    limiter.acquire("b", None)
    assert clock.sleeps[-1] == pytest.approx(5.0)


def test_4xx_is_never_retried(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, FX, status=400, json={"message": "bad request"})
        with pytest.raises(connector_errors.UpstreamErrorBody) as info:
            make_runtime(tmp_path).fetch("fx", {})
        assert len(rsps.calls) == 1
    assert "HTTP 400: bad request" in str(info.value)


def test_5xx_gives_up_after_the_attempt_cap_with_backoff(tmp_path: Path) -> None:
    clock = FakeClock()
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, FX, status=503, body="unavailable")
        with pytest.raises(connector_errors.SourceUnavailable) as info:
            make_runtime(tmp_path, clock=clock).fetch("fx", {})
        assert len(rsps.calls) == 4
    assert "gave up after 4 attempts" in str(info.value)
    assert len(clock.sleeps) == 3 and clock.sleeps[0] < clock.sleeps[1] < clock.sleeps[2]


def test_deadline_bounds_the_whole_exchange(tmp_path: Path) -> None:
    clock = FakeClock()
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, FX, status=502, body="bad gateway")
        with pytest.raises(connector_errors.SourceUnavailable):
            make_runtime(tmp_path, clock=clock, settings={"http_deadline": 1.2}).fetch("fx", {})
        assert len(rsps.calls) == 2  # 0.5-1.0 s, then a 1.0-1.5 s wait would cross 1.2 s
    assert clock.elapsed < 1.2


def test_connection_error_retried_then_success(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, FX, body=requests.exceptions.ConnectionError("[Errno 111] Connection refused"))
        rsps.add(responses.GET, FX, json=fixture("frankfurter/v1_latest_eur_all.json"))
        result = make_runtime(tmp_path).fetch("fx", {})
        assert len(rsps.calls) == 2
    assert len(result.records) == 30


def _real_client(clock: FakeClock) -> HttpClient:
    """The shared client on a real session (no `responses`): the failures below are real."""
    return HttpClient(timeout=2.0, deadline=30.0, rewrite=None, redactor=Redactor(),
                      clock=clock.monotonic, sleep=clock.sleep, now=clock.now)


def test_unresolvable_host_fails_at_once_naming_the_host_without_the_query() -> None:
    # `.invalid` never resolves (RFC 2606), so the lookup fails offline too, without a network.
    clock = FakeClock()
    client = _real_client(clock)
    with pytest.raises(connector_errors.SourceUnavailable) as info:
        client.get("http://briefbot-test.invalid/v1/latest", source="Test source",
                   params={"base": "EUR", "apikey": "QUERYSECRET0123456789"})
    assert client.requests_sent == 1 and clock.sleeps == []  # one attempt, no backoff
    message = str(info.value)
    assert message.startswith("cannot resolve host briefbot-test.invalid for Test source: [Errno")
    assert "not retried" in message and "base URL setting or BRIEFBOT_HTTP_REWRITE" in message
    assert "QUERYSECRET" not in message and "apikey" not in message and "/v1/latest" not in message
    assert info.value.exit_code == 31


def test_unresolvable_rewrite_target_names_the_host_actually_contacted(tmp_path: Path) -> None:
    clock = FakeClock()
    runtime = make_runtime(tmp_path, clock=clock,
                           settings={"http_rewrite": "https://api.frankfurter.dev=http://replay.briefbot.invalid:8080"})
    with pytest.raises(connector_errors.SourceUnavailable) as info:
        runtime.fetch("fx", {"symbols": "KRW"})
    assert runtime.http.requests_sent == 1 and clock.sleeps == []
    assert "cannot resolve host replay.briefbot.invalid for Frankfurter" in str(info.value)


def test_refused_connection_on_localhost_is_still_retried() -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = FakeClock()
    client = _real_client(clock)
    with pytest.raises(connector_errors.SourceUnavailable) as info:
        client.get(f"http://127.0.0.1:{port}/v1/latest", source="Test source")
    attempts = RetryPolicy().max_attempts
    assert client.requests_sent == attempts and len(clock.sleeps) == attempts - 1
    assert "Connection refused" in str(info.value) and f"gave up after {attempts} attempts" in str(info.value)


def test_user_agent_is_descriptive(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, FX, json=fixture("frankfurter/v1_latest_eur_all.json"))
        make_runtime(tmp_path).fetch("fx", {})
        assert rsps.calls[0].request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("briefbot/") and "(+https://github.com/briefbot/briefbot)" in USER_AGENT


def test_cache_entries_are_scrubbed_and_corrupt_ones_are_misses(tmp_path: Path) -> None:
    cache = FileCache(tmp_path, redactor=Redactor(["AVCANARYKEY0000NOTREAL"]))
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    cache.store("ns", "k", {"url": "https://x/q?apikey=AVCANARYKEY0000NOTREAL", "t": "key AVCANARYKEY0000NOTREAL"}, now=now)
    text = cache.files()[0].read_text()
    assert "AVCANARYKEY0000NOTREAL" not in text
    assert cache.load("ns", "k").age_seconds(now + timedelta(seconds=90)) == 90
    cache.files()[0].write_text("{not json")
    assert cache.load("ns", "k") is None and cache.files() == []


def test_fetch_many_keeps_order_and_isolates_failures(tmp_path: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, FX, json=fixture("frankfurter/v1_latest_eur_all.json"))
        rsps.add(responses.GET, "https://api.upbit.com/v1/ticker", status=404, json=fixture("upbit/error_404_code_not_found.json"))
        out = fetch_many(make_runtime(tmp_path), [("fx", {}), ("crypto", {"market": "KRW-NOPE", "days": "0"}), ("nosuch", {})])
    assert out[0].connector == "fx" and not isinstance(out[0], FetchFailure)
    assert isinstance(out[1], FetchFailure) and isinstance(out[1].error, connector_errors.NotFound)
    assert isinstance(out[2], FetchFailure) and isinstance(out[2].error, connector_errors.UnknownConnector)


def test_fetch_many_overlaps_latencies_against_a_real_server(tmp_path: Path) -> None:
    routes = {
        "/fx/v1/latest": Reply.json(fixture("frankfurter/v1_latest_eur_all.json")),
        "/upbit/v1/ticker": Reply.json(fixture("upbit/ticker_krw_btc_eth.json")),
        "/om/v1/forecast": Reply.json(fixture("open-meteo/forecast_current_hourly_newyork.json")),
    }
    with ReplayServer(routes, latency=0.3) as server:
        from bot.settings import Settings

        rewrite = (f"https://api.frankfurter.dev={server.url}/fx,https://api.upbit.com={server.url}/upbit,"
                   f"https://api.open-meteo.com={server.url}/om")
        with ConnectorRuntime(Settings(http_rewrite=rewrite), cache_dir=tmp_path) as runtime:
            out = fetch_many(runtime, [("fx", {}), ("crypto", {"market": "KRW-BTC", "days": "0"}),
                                       ("weather", {"lat": "1", "lon": "2", "days": "1"})])
    assert not any(isinstance(o, FetchFailure) for o in out)
    assert server.count() == 3
    # Overlap shown by the server, not by a clock: with 0.3 s per answer, sequential fetches
    # would never have two requests in flight at once. (bench/bench_fetch.py measures the ratio.)
    assert server.max_in_flight >= 2


def test_plugins_load_from_entry_points_and_broken_ones_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.weather import WeatherConnector

    class Demo(WeatherConnector):
        name = "demo"

    good = SimpleNamespace(name="demo", load=lambda: Demo, dist=SimpleNamespace(name="briefbot-demo"))

    def broken_load() -> None:
        raise ImportError("no module named demo_missing")

    bad = SimpleNamespace(name="broken", load=broken_load, dist=SimpleNamespace(name="briefbot-broken"))
    clash = SimpleNamespace(name="weather", load=lambda: WeatherConnector, dist=SimpleNamespace(name="evil"))
    monkeypatch.setattr("connectors.registry.entry_points", lambda group: [good, bad, clash] if group == "briefbot.connectors" else [])
    registry = ConnectorRegistry.default()
    assert registry.get("demo") is Demo and registry.origins["demo"] == "plugin (briefbot-demo)"
    assert "ImportError: no module named demo_missing" in registry.broken["broken"]
    assert registry.origins["weather"] == "built-in" and "clashes" in registry.broken["weather"]


def test_exit_codes_are_distinct_in_the_30s() -> None:
    classes = [getattr(connector_errors, n) for n in (
        "SourceUnavailable", "RateLimited", "NotFound", "InvalidParams", "UpstreamErrorBody",
        "SchemaDriftError", "MissingKey", "AccessRefused", "UnknownConnector")]
    codes = [c.exit_code for c in classes]
    assert len(set(codes)) == len(codes) and all(31 <= c <= 39 for c in codes)
    assert all(issubclass(c, ConnectorError) for c in classes)
    assert connector_errors.MalformedResponse.exit_code == 36
    assert {row[1] for row in exit_code_table()} >= {c.__name__ for c in classes}


def test_tool_spec_is_a_chat_completions_tool() -> None:
    from connectors.fx import FxConnector

    spec = FxConnector.tool_spec()
    assert spec["type"] == "function" and spec["function"]["name"] == "fetch_fx"
    assert set(spec["function"]["parameters"]["properties"]) == {"base", "symbols", "amount", "date", "start", "end"}
    json.dumps(spec)


def test_concurrent_fetches_share_one_rate_limiter(tmp_path: Path) -> None:
    clock = FakeClock()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            clock.sleep(seconds)

    runtime = make_runtime(None, clock=clock)
    runtime.http.limiter = HostRateLimiter(clock=clock.monotonic, sleep=sleep)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, "https://api.upbit.com/v1/ticker", json=fixture("upbit/ticker_krw_btc_eth.json"))
        out = fetch_many(runtime, [("crypto", {"market": "KRW-BTC", "days": "0"})] * 12)
    assert not any(isinstance(o, FetchFailure) for o in out)
    assert clock.sleeps  # 12 requests through a 10/s limit: someone had to wait
