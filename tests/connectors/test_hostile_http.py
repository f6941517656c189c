"""Hostile upstreams at the HTTP layer: redirects that would carry keys off-host, redirect
loops, bodies too large to hold, bodies that stall or are cut off. Real servers on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import ResponseTooLarge, SourceUnavailable
from connectors.runtime import ConnectorRuntime
from connectors.testing import CANARY_KEYS, make_runtime
from tests.connectors.payloads import fixture
from tests.support.replay_server import Reply, ReplayServer

AV_KEY = CANARY_KEYS["alphavantage_api_key"]
CG_KEY = CANARY_KEYS["coingecko_api_key"]
MSFT = fixture("alphavantage/global_quote_msft_2018-10-05.json")
BTC = fixture("coingecko/simple_price_btc_eth_include_all.json")


@pytest.fixture
def home() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server


@pytest.fixture
def elsewhere() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        server.route("/query", Reply.json(MSFT))
        server.route("/api/v3/simple/price", Reply.json(BTC))
        yield server


def _cached_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


def _stocks(runtime: ConnectorRuntime) -> Any:
    return runtime.fetch("stocks", {"symbol": "MSFT", "days": "0", "provider": "alphavantage"})


def _everything_sent(server: ReplayServer) -> str:
    return repr(server.requests) + repr(server.headers)


# -- 1. credentials never cross to another host ------------------------------------------------
def test_alphavantage_key_not_sent_across_a_redirect_to_another_host(
    tmp_path: Path, home: ReplayServer, elsewhere: ReplayServer
) -> None:
    # A host move keeps path and query, so the Location carries apikey= as requests would send it.
    home.route("/query", Reply(b"", 302, {"Location": f"{elsewhere.url}/query?function=GLOBAL_QUOTE&symbol=MSFT&apikey={AV_KEY}"}))
    runtime = make_runtime(tmp_path / "cache", settings={"alphavantage_api_key": AV_KEY, "alphavantage_url": home.url})
    with pytest.raises(SourceUnavailable) as info:
        _stocks(runtime)
    assert elsewhere.requests == []  # not a single request reached the other host
    assert "redirected to another host" in info.value.message and AV_KEY not in str(info.value)
    assert len(home.requests) == 1  # refused once, not retried
    assert _cached_files(tmp_path) == []


def test_coingecko_header_key_not_sent_across_a_redirect_to_another_host(
    tmp_path: Path, home: ReplayServer, elsewhere: ReplayServer
) -> None:
    home.route("/api/v3/simple/price", Reply(b"", 307, {"Location": f"{elsewhere.url}/api/v3/simple/price"}))
    runtime = make_runtime(tmp_path / "cache", settings={"coingecko_api_key": CG_KEY, "coingecko_url": home.url})
    with pytest.raises(SourceUnavailable):
        runtime.fetch("crypto", {"coin": "bitcoin", "days": "0"})
    assert elsewhere.requests == [] and CG_KEY not in _everything_sent(elsewhere)
    assert home.headers[0]["x-cg-demo-api-key"] == CG_KEY  # the own host did get it
    assert _cached_files(tmp_path) == []


def test_same_host_redirect_is_followed_with_the_key_attached_to_each_request(tmp_path: Path, home: ReplayServer) -> None:
    home.route("/api/v3/simple/price", Reply(b"", 301, {"Location": "/v3/moved/price"}))
    home.route("/v3/moved/price", Reply.json(BTC))
    runtime = make_runtime(tmp_path / "cache", settings={"coingecko_api_key": CG_KEY, "coingecko_url": home.url})
    result = runtime.fetch("crypto", {"coin": "bitcoin", "days": "0"})
    assert result.records[0].price == BTC["bitcoin"]["usd"]
    assert [h.get("x-cg-demo-api-key") for h in home.headers] == [CG_KEY, CG_KEY]
    assert home.requests[1] == "/v3/moved/price"


def test_same_host_redirect_gets_the_query_key_back_when_location_drops_it(tmp_path: Path, home: ReplayServer) -> None:
    home.route("/query", Reply(b"", 302, {"Location": "/v2/query?function=GLOBAL_QUOTE&symbol=MSFT"}))
    home.route("/v2/query", Reply.json(MSFT))
    runtime = make_runtime(tmp_path / "cache", settings={"alphavantage_api_key": AV_KEY, "alphavantage_url": home.url})
    assert _stocks(runtime).records[0].symbol == "MSFT"
    assert f"apikey={AV_KEY}" in home.requests[1]


def test_a_redirect_loop_is_stopped_at_once_and_not_retried(tmp_path: Path, home: ReplayServer) -> None:
    home.route("/query", Reply(b"", 302, {"Location": "/query?again=1"}))
    runtime = make_runtime(tmp_path / "cache", settings={"alphavantage_api_key": AV_KEY, "alphavantage_url": home.url})
    with pytest.raises(SourceUnavailable) as info:
        _stocks(runtime)
    assert "redirect loop" in info.value.message and "cannot connect" not in info.value.message
    assert len(home.requests) == 2  # the request and the one hop back to itself; no retry round
    assert _cached_files(tmp_path) == []


def test_a_long_redirect_chain_stops_after_three_hops(tmp_path: Path, home: ReplayServer) -> None:
    for hop in range(30):
        home.route(f"/r{hop}" if hop else "/api/v3/simple/price", Reply(b"", 302, {"Location": f"/r{hop + 1}"}))
    runtime = make_runtime(tmp_path / "cache", settings={"coingecko_url": home.url})
    with pytest.raises(SourceUnavailable) as info:
        runtime.fetch("crypto", {"coin": "bitcoin", "days": "0"})
    assert "more than 3 times" in info.value.message
    assert len(home.requests) == 4


# -- 2. bodies are read with a size limit --------------------------------------------------------
class _Firehose:
    """Streams an endless close-delimited JSON body (no Content-Length) and counts what it wrote."""

    def __init__(self) -> None:
        self.written = 0
        self.done = threading.Event()
        firehose = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b'{"pad": "' + b"x" * 65536
                try:
                    for _ in range(2000):  # ~130 MB if nobody stops reading
                        self.wfile.write(chunk)
                        firehose.written += len(chunk)
                except OSError:
                    pass
                finally:
                    firehose.done.set()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_an_endless_body_is_abandoned_at_the_limit_while_streaming(tmp_path: Path) -> None:
    firehose = _Firehose()
    try:
        runtime = make_runtime(tmp_path / "cache", settings={"frankfurter_url": firehose.url, "http_max_body_bytes": 1_000_000})
        with pytest.raises(ResponseTooLarge) as info:
            runtime.fetch("fx", {"base": "USD", "symbols": "EUR"})
        assert info.value.exit_code == 36 and "1,000,000-byte limit" in info.value.message
        assert firehose.done.wait(30)
        # The client hung up: far less than the 130 MB on offer was ever written.
        assert firehose.written < 20_000_000
        assert _cached_files(tmp_path) == []
    finally:
        firehose.close()


def test_a_declared_oversize_body_is_refused_without_reading_it(tmp_path: Path, home: ReplayServer) -> None:
    body = b"[" + b"0," * 1_500_000 + b"0]"
    home.route("/v1/latest", Reply(body))
    runtime = make_runtime(tmp_path / "cache", settings={"frankfurter_url": home.url})
    with pytest.raises(ResponseTooLarge) as info:
        runtime.fetch("fx", {"base": "USD", "symbols": "EUR"})
    assert f"announced {len(body):,} bytes" in info.value.message and "2,097,152-byte limit" in info.value.message
    assert len(home.requests) == 1  # not retried


def test_connector_default_limit_is_per_connector(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path / "cache")
    assert runtime.connector("fx").ctx.http.max_body_bytes == 2 * 1024 * 1024
    override = make_runtime(tmp_path / "cache", settings={"http_max_body_bytes": 4096})
    assert override.connector("weather").ctx.http.max_body_bytes == 4096


# -- 9. a stall or a cut mid-body says so -------------------------------------------------------
class _HalfBody:
    """Announces a body, sends part of it, then stalls (``stall=True``) or hangs up."""

    def __init__(self, *, stall: bool) -> None:
        self.release = threading.Event()
        half = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "4000")
                self.end_headers()
                self.wfile.write(b'{"amount": 1.0, "base": "USD", ')
                self.wfile.flush()
                if stall:
                    half.release.wait(30)
                self.connection.shutdown(socket.SHUT_RDWR)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize(("stall", "wording"), [(True, "stopped sending mid-answer"), (False, "answer was cut off")])
def test_a_body_that_stalls_or_is_cut_gets_its_own_message(tmp_path: Path, stall: bool, wording: str) -> None:
    server = _HalfBody(stall=stall)
    try:
        runtime = make_runtime(
            tmp_path / "cache", settings={"frankfurter_url": server.url, "http_timeout": 0.3, "http_deadline": 30}
        )
        with pytest.raises(SourceUnavailable) as info:
            runtime.fetch("fx", {"base": "USD", "symbols": "EUR"})
        assert wording in info.value.message and "cannot connect" not in info.value.message
    finally:
        server.close()
