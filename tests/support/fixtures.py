"""Pytest fixtures over the test servers in ``tests.support``.

Import them into ``tests/conftest.py`` so every test can ask for them by name.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.connectors.payloads import fixture
from tests.support.openai_server import OpenAIServer
from tests.support.replay_server import Reply, ReplayServer


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A started OpenAI-compatible server, fresh per test (own script, own request log)."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def fx_upstream() -> Iterator[ReplayServer]:
    """Frankfurter's recorded USD→EUR answer at /fx/v1/latest (point BRIEFBOT_HTTP_REWRITE's
    https://api.frankfurter.dev at ``fx_upstream.url + "/fx"``)."""
    payload = fixture("frankfurter/v1_latest_base_usd_symbols_eur_captured_2026-07-30.json")
    with ReplayServer({"/fx/v1/latest": Reply.json(payload)}) as replay:
        yield replay
