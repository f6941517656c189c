from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    """A recorded payload from tests/connectors/fixtures (sources in its SOURCES.md)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))
