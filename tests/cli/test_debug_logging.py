"""--debug opens library logs (urllib3 prints each request line with its query string), and
every record still goes through the redactor: a key in a query never reaches the output."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.logs import command_logging
from bot.redact import Redactor
from tests.conftest import RunCli, scratch_env
from tests.connectors.payloads import fixture
from tests.support.replay_server import Reply, ReplayServer

QUERY_KEY = "QUERYKEY0123456789abcdefWXYZ"  # registered nowhere: only the shape net can catch it
AV_KEY = "AVDEBUGCANARY0123456789"  # a configured key: the known-value net catches it


def alphavantage_replies() -> list[Reply]:
    # provider=alphavantage days=0 asks GLOBAL_QUOTE only: the recorded MSFT quote.
    return [Reply.json(fixture("alphavantage/global_quote_msft_2018-10-05.json"))]


@pytest.fixture
def upstream() -> Iterator[ReplayServer]:
    with ReplayServer({"/v1/latest": Reply.json({"ok": True}), "/av/query": alphavantage_replies()}) as server:
        yield server


def test_urllib3_request_lines_are_redacted_with_debug_logging(upstream: ReplayServer) -> None:
    shown = io.StringIO()
    raw = io.StringIO()  # an unredacted handler beside ours proves urllib3 really logged the key
    raw_handler = logging.StreamHandler(raw)
    with command_logging(debug=True, stream=shown, scrub=Redactor().scrub):
        logging.getLogger().addHandler(raw_handler)
        try:
            response = requests.get(f"{upstream.url}/v1/latest?base=EUR&apikey={QUERY_KEY}", timeout=5)
        finally:
            logging.getLogger().removeHandler(raw_handler)
    assert response.status_code == 200
    assert QUERY_KEY in raw.getvalue()
    output = shown.getvalue()
    assert "urllib3.connectionpool" in output
    assert '"GET /v1/latest?base=EUR&apikey=[REDACTED] HTTP/1.1" 200' in output
    assert QUERY_KEY not in output and QUERY_KEY[:12] not in output


def test_command_logging_restores_the_root_logger() -> None:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    with command_logging(debug=True, stream=io.StringIO(), scrub=str) as handler:
        assert root.level == logging.DEBUG and handler in root.handlers
    assert root.level == level and root.handlers == handlers


def test_debug_fetch_shows_request_lines_but_never_the_query_key(
    run_cli: RunCli, tmp_path: Path, upstream: ReplayServer
) -> None:
    env = scratch_env(
        tmp_path,
        ALPHAVANTAGE_API_KEY=AV_KEY,
        BRIEFBOT_HTTP_REWRITE=f"https://www.alphavantage.co={upstream.url}/av",
    )
    debug = run_cli(env, "--debug", "fetch", "stocks", "symbol=MSFT", "provider=alphavantage", "days=0")
    assert debug.returncode == 0, debug.stderr
    assert upstream.requests and AV_KEY in upstream.requests[0]  # the key really went in the query
    assert "urllib3.connectionpool" in debug.stderr and '"GET /av/query?' in debug.stderr
    assert AV_KEY not in debug.stderr + debug.stdout
    assert AV_KEY[:12] not in debug.stderr + debug.stdout

    upstream.route("/av/query", alphavantage_replies())
    quiet = run_cli(env, "fetch", "stocks", "symbol=MSFT", "provider=alphavantage", "days=0", "--no-cache")
    assert quiet.returncode == 0, quiet.stderr
    assert "urllib3" not in quiet.stderr  # without --debug only warnings are logged
    assert AV_KEY not in quiet.stderr + quiet.stdout
