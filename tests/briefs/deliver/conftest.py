"""Fixtures for delivery tests: running receivers and a sleep that records its waits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from deliver_receivers import Receivers
from deliver_support import RecordedSleep


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    with Receivers() as running:
        yield running


@pytest.fixture
def recorded_sleep() -> RecordedSleep:
    return RecordedSleep()
