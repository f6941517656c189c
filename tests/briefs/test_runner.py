"""A brief run end to end: sources from recorded payloads (replay server), the summary from
the local OpenAI stand-in, deliveries through an injected deliver_all, the ledger real."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import App
from bot.briefs.definitions import load_briefs
from bot.briefs.document import BriefDocument, Chart
from bot.briefs.execution import run_slot
from bot.briefs.ledger import BriefLedger
from bot.briefs.runner import BriefRunner
from bot.grounded import ConnectorFetcher
from tests.briefs.upstream import brief_env, replay
from tests.conftest import RunCli
from tests.support.openai_server import Error, OpenAIServer, Reply

KEY = "sk-test-BRIEFS0123456789abcdefWXYZ"
SLOT = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # Monday 07:00 KST


@dataclass(frozen=True)
class Report:
    target: str
    kind: str
    status: str
    parts: int
    attempts: int
    message_ids: list[str]
    error: str | None


class Deliveries:
    """Stands in for the delivery side (tested on its own): keeps what it was handed."""

    def __init__(self, status: str = "delivered") -> None:
        self.status = status
        self.calls: list[tuple[BriefDocument, list[Any], Path]] = []

    def __call__(self, doc: BriefDocument, targets: list[Any], *, db_path: Path, http: Any) -> list[Report]:
        self.calls.append((doc, targets, db_path))
        return [Report(t.describe(), t.kind, self.status, 1, 1, ["m1"], None if self.status == "delivered" else "HTTP 404")
                for t in targets]


@dataclass(frozen=True)
class Target:
    kind: str = "markdown"

    def describe(self) -> str:
        return "/archive/{date}-{name}.md"


def _setup(tmp_path: Path, server: Any, openai: OpenAIServer, summary: str = "model") -> tuple[App, Any]:
    env = brief_env(tmp_path, server, summary=summary, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai.base_url)
    app = App(env, cwd=tmp_path)
    book = load_briefs(app.paths.briefs_file, env=env, parse_target=lambda table, *, env, where: Target())
    return app, book.get("morning")


def _runner(app: App, deliveries: Deliveries) -> BriefRunner:
    from bot.cli.common import open_backend

    return BriefRunner(settings=app.settings, fetcher=ConnectorFetcher(app.settings, cache_dir=app.paths.http_cache_dir, env=app.env),
                       db_path=app.paths.briefs_db, backend_factory=lambda: open_backend(app), http_factory=lambda: _NoHttp(),
                       charts=lambda records, *, lang: [Chart("krw-btc", "KRW-BTC", b"\x89PNG")],
                       sparklines=lambda records, *, lang: ["KRW-BTC ▁▇"], deliver=deliveries)


class _NoHttp:
    def close(self) -> None:
        return None


def test_a_run_fetches_summarises_states_missing_sources_and_delivers(tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="Seoul is clear at 23.2 °C; KRW-BTC is 162,876,000 KRW.", prompt_tokens=400, completion_tokens=20))
    with replay() as server:
        app, brief = _setup(tmp_path, server, openai_server)
        deliveries = Deliveries()
        brief = type(brief)(**{**brief.__dict__, "targets": (Target(),)})
        ledger = BriefLedger.open(app.paths.briefs_db)
        result = run_slot(ledger, brief, SLOT, "scheduled", lambda b, row: _runner(app, deliveries).run(b, row.run_key, row.slot_utc, SLOT),
                          clock=lambda: SLOT)
    assert result.outcome == "ran" and result.run is not None and result.row is not None
    doc = result.run.document
    assert doc.run_key == "morning/2026-11-29T22:00:00Z" and doc.title == "morning · 2026-11-30 07:00 KST"
    assert doc.summary == "Seoul is clear at 23.2 °C; KRW-BTC is 162,876,000 KRW."
    assert "162,876,000" in doc.figures and "0.85911 EUR" in doc.figures  # the program's own figures
    assert doc.timezone == "Asia/Seoul"  # archive paths' {date} and {time} are the brief's
    assert doc.missing == ["stocks symbol=005930.KS: Yahoo Finance response is missing: field 'chart'"]
    assert doc.charts[0].name == "krw-btc" and doc.sparklines == ["KRW-BTC ▁▇"]
    sent = openai_server.completion_requests[0].body["messages"]
    assert "0.85911" in sent[1]["content"] and "English" in sent[0]["content"]  # the daily template, language filled in
    row = result.row
    assert (row.status, row.sources_ok, row.sources_failed, row.tokens) == ("partial", 3, 1, 420)
    assert "005930.KS" in (row.error or "")
    [(handed, targets, db_path)] = deliveries.calls
    assert handed is doc and db_path == app.paths.briefs_db and targets[0].kind == "markdown"


def test_summary_none_makes_no_model_call_and_a_model_failure_still_sends_the_figures(tmp_path: Path, openai_server: OpenAIServer) -> None:
    with replay() as server:
        app, brief = _setup(tmp_path, server, openai_server, summary="none")
        doc, stats, summary_missing = _runner(app, Deliveries()).produce(brief, "k", SLOT, SLOT)
        assert doc.summary is None and not summary_missing and openai_server.completion_requests == []
        assert stats.tokens == 0 and stats.sources_ok == 3
        openai_server.script(Error(401, "invalid_api_key", "Incorrect API key provided"))
        app, brief = _setup(tmp_path / "b", server, openai_server, summary="model")
        outcome = _runner(app, Deliveries()).run(brief, "k2", SLOT, SLOT)
    assert outcome.document.summary is None and "0.85911 EUR" in outcome.document.figures
    assert any(line.startswith("summary: the model failed") for line in outcome.document.missing)
    assert outcome.status == "partial"


def test_all_deliveries_refused_is_a_failed_run(tmp_path: Path, openai_server: OpenAIServer) -> None:
    with replay() as server:
        app, brief = _setup(tmp_path, server, openai_server, summary="none")
        brief = type(brief)(**{**brief.__dict__, "targets": (Target(),)})
        outcome = _runner(app, Deliveries(status="failed")).run(brief, "k", SLOT, SLOT)
    assert outcome.status == "failed" and "HTTP 404" in (outcome.stats.error or "")


def test_dry_run_process_prints_the_markdown_and_records_nothing(tmp_path: Path, run_cli: RunCli, openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="요약: 서울은 맑습니다."))
    with replay() as server:
        env = brief_env(tmp_path, server, summary="model", OPENAI_API_KEY=KEY, OPENAI_BASE_URL=openai_server.base_url)
        done = run_cli(env, "brief", "run", "morning", "--dry-run", "--slot", "2026-11-30T07:00+09:00")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("# morning · 2026-11-30 07:00 KST\n\n요약: 서울은 맑습니다.")
        assert "## Missing data" in done.stdout and "stocks symbol=005930.KS" in done.stdout
        assert "dry run: nothing delivered, nothing recorded" in done.stderr
        history = run_cli(env, "brief", "history", "--json")
        assert history.returncode == 0 and json.loads(history.stdout) == []


def test_a_summary_that_only_repeats_the_instructions_is_not_sent(tmp_path: Path, openai_server: OpenAIServer) -> None:
    # What the embedded base model did on this brief: it continued the prompt instead of following it.
    openai_server.script(Reply(text="write the summary of a daily brief from the data below, in English.\n\n- Three to five"))
    with replay() as server:
        app, brief = _setup(tmp_path, server, openai_server)
        outcome = _runner(app, Deliveries()).run(brief, "k", SLOT, SLOT)
    assert outcome.document.summary is None
    assert "summary: the model only repeated its instructions" in outcome.document.missing
    assert outcome.status == "partial" and outcome.stats.tokens > 0
