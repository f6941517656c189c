"""`briefbot context`: a real process for the plan; in-process with recorded data for the context."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import bot.grounded
from bot.app import App
from bot.cli.main import main
from tests.conftest import scratch_env
from tests.grounding.qset import RecordedFetcher


def test_plan_json_in_a_real_process(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "context", "--plan", "--json", "삼성전자 주가랑 서울 날씨"],
        env=scratch_env(tmp_path), capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["lang"] == "ko" and plan["confident"] is True
    assert [(s["connector"], s["params"]) for s in plan["steps"]] == [
        ("weather", {"place": "Seoul"}), ("stocks", {"symbol": "005930.KS", "days": "0"})]


def _run(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    data = {"crypto market=KRW-BTC days=0": "upbit_btc"}
    from datetime import datetime, timezone

    monkeypatch.setattr(bot.grounded, "ConnectorFetcher",
                        lambda *a, **k: RecordedFetcher(data, datetime(2025, 7, 30, 17, 3, tzinfo=timezone.utc)))
    out, err = io.StringIO(), io.StringIO()
    app = App(scratch_env(tmp_path), cwd=tmp_path, stdout=out, stderr=err)
    code = main(argv, app)
    return code, out.getvalue(), err.getvalue()


def test_json_has_exactly_the_contract_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _run(["context", "--json", "비트코인 얼마야?"], tmp_path, monkeypatch)
    assert code == 0, err
    payload: dict[str, Any] = json.loads(out)
    assert list(payload) == ["context", "tokens", "budget", "sources"]
    assert payload["budget"] == 1500 and 0 < payload["tokens"] <= 1500
    assert "162876000" in payload["context"]
    (source,) = payload["sources"]
    assert source["source"] == "Upbit" and source["as_of_local"] == "2025-07-31 02:03 KST"


def test_text_output_ends_with_the_token_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(["context", "--budget", "400", "비트코인 얼마야?"], tmp_path, monkeypatch)
    assert code == 0
    assert out.rstrip().splitlines()[-1].startswith("tokens: ")
    assert "/ budget 400" in out


def test_empty_question_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = _run(["context", "  "], tmp_path, monkeypatch)
    assert code == 2 and "question is empty" in err
