"""The contract kit's redaction check can fail for a keyless connector (issue 10, "Why" 10).

A keyless connector sends no key, so a check that only looks for keys the connector sent
cannot fail for it. The kit also plays an upstream that echoes the configured keys back (in
an error body and in a 200 body); a connector that copies upstream text into its records
verbatim must fail the check, and the same connector without that copy must pass it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
import responses
from pydantic import Field

from connectors.base import Connector, ConnectorParams
from connectors.records import Observation, Record
from connectors.testing import ConnectorContract, FakeClock, Recorded

BASE = "https://echo.example.org"


class EchoParams(ConnectorParams):
    item: str = Field("apple", min_length=1, description="what to look up", examples=["apple"])


class EchoNote(Observation):
    kind: Literal["echo.note"] = "echo.note"
    text: str


class LeakyEchoConnector(Connector[EchoParams]):
    """Keyless; puts the upstream's ``message`` into its record as it came."""

    name: ClassVar[str] = "echo"
    description: ClassVar[str] = "a note about an item (Echo API)"
    source: ClassVar[str] = "Echo API"
    params_model = EchoParams
    record_types = (EchoNote,)
    examples = ("item=apple",)
    copies_upstream_text: ClassVar[bool] = True

    def fetch(self, params: EchoParams) -> list[Record]:
        response = self.ctx.http.get(f"{BASE}/v1/items/{params.item}", source=self.source)
        response.raise_for_status()
        payload: dict[str, Any] = response.json()
        text = str(payload.get("message", "")) if self.copies_upstream_text else f"{len(payload)} fields"
        as_of = datetime.now(timezone.utc).replace(microsecond=0)
        return [EchoNote(**self.provenance(response), subject=params.item, as_of=as_of, text=text)]


class CarefulEchoConnector(LeakyEchoConnector):
    copies_upstream_text: ClassVar[bool] = False


class LeakyEchoContract(ConnectorContract):  # no "Test" prefix: run by hand below, not collected
    connector = LeakyEchoConnector
    params = {"item": "apple"}
    success = (Recorded(f"{BASE}/v1/items/apple", json={"message": "fresh and crisp"}),)


class CarefulEchoContract(LeakyEchoContract):
    connector = CarefulEchoConnector


def _redaction_check(contract: ConnectorContract, tmp_path: Path) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        contract.test_contract_no_secret_in_records_cache_or_errors(tmp_path, FakeClock(), rsps)


def test_a_keyless_connector_that_copies_upstream_text_fails_the_redaction_check(tmp_path: Path) -> None:
    assert not LeakyEchoConnector.key_settings  # keyless: it never sends a key of its own
    with pytest.raises(AssertionError) as info:
        _redaction_check(LeakyEchoContract(), tmp_path)
    assert "canary not in text" in str(info.traceback[-1].statement)  # the canary check itself failed


def test_the_same_connector_without_the_copy_passes_it(tmp_path: Path) -> None:
    _redaction_check(CarefulEchoContract(), tmp_path)
