"""Pytest fixtures over the test servers in ``tests.support``.

Import them into ``tests/conftest.py`` so every test can ask for them by name.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.openai_server import OpenAIServer


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A started OpenAI-compatible server, fresh per test (own script, own request log)."""
    with OpenAIServer() as server:
        yield server
