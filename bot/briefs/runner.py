"""One brief run: sources → fetch → pack → figures → summary → BriefDocument → deliveries.

The fetch path is the grounded turn's (:class:`bot.grounded.ConnectorFetcher`: the connector
runtime's concurrent multi-fetch, cache and stale fallback); the figures are the program's
sources block, the same facts ``ask`` shows. A source that fails is stated in the document,
never hidden, and makes the run ``partial``. Every collaborator that reaches outside the
process (fetcher, backend, charts, deliveries) is a parameter, so tests can pass their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.briefs.document import BriefDocument, Chart
from bot.briefs.ledger import RunStats

if TYPE_CHECKING:
    from bot.briefs.definitions import BriefDefinition
    from bot.briefs.targets import DeliveryReport, DeliveryTarget
    from bot.grounded import StepFetcher
    from bot.llm.backend import ChatBackend
    from connectors.http import HttpClient
    from connectors.records import Record

ChartMaker = Callable[..., list[Chart]]  # charts_for(records, *, lang)
SparklineMaker = Callable[..., list[str]]  # sparklines_for(records, *, lang)
Deliverer = Callable[..., list["DeliveryReport"]]  # deliver_all(doc, targets, *, db_path, http)


@dataclass(frozen=True)
class RunOutcome:
    status: str  # succeeded | partial | failed
    stats: RunStats
    document: BriefDocument
    reports: list[Any] = field(default_factory=list)  # DeliveryReport per target


@dataclass
class BriefRunner:
    """Builds and delivers one brief's document; the ledger bookkeeping is the caller's."""

    settings: Any  # bot.settings.Settings
    fetcher: StepFetcher
    db_path: Path
    backend_factory: Callable[[], ChatBackend] | None = None
    http_factory: Callable[[], HttpClient] | None = None
    charts: ChartMaker | None = None
    sparklines: SparklineMaker | None = None
    deliver: Deliverer | None = None
    scrub: Callable[[str], str] = lambda text: text  # the app's redactor: a document leaves the machine

    def produce(self, brief: BriefDefinition, run_key: str, slot: datetime | None, now: datetime) -> tuple[BriefDocument, RunStats, bool]:
        """The document, its stats, and whether its summary is missing though one was wanted."""
        from bot.planner.plan import PlanStep
        from prompts.grounding import sources_block
        from prompts.packer import ContextPacker

        steps = [PlanStep(s.connector, dict(s.params), reason=f"brief {brief.name}") for s in brief.sources]
        outcomes = self.fetcher.fetch_each(steps)
        records: list[Record] = [r for recs, _ in outcomes for r in recs]
        failures = [f for _, f in outcomes if f is not None]
        packer = ContextPacker(budget=self.settings.context_budget_tokens, model=self.settings.resolved_model(), lang=brief.language)
        packed = packer.pack(records, failures, now=now)
        missing = [self.scrub(f"{f.describe()}: {f.message.splitlines()[0]}") for f in failures]
        summary_text, tokens, problem = None, 0, None
        cost: float | None = 0.0
        if brief.summary == "model" and records:
            summary_text, tokens, cost, problem = self._summary(brief, packed)
            # A model can echo whatever it saw, a key in an error body included.
            summary_text = self.scrub(summary_text) if summary_text else summary_text
            if problem:
                missing.append(problem)
        charts, lines = self._pictures(records, brief.language, missing)
        doc = BriefDocument(
            brief=brief.name, run_key=run_key, title=document_title(brief, slot or now), language=brief.language,
            slot_utc=slot, summary=summary_text, figures=sources_block(packed, brief.language), missing=missing,
            charts=charts, sparklines=lines, timezone=brief.schedule.zone.key,
        )
        error = "; ".join(missing) if missing else None
        return doc, RunStats(sources_ok=len(steps) - len(failures), sources_failed=len(failures), tokens=tokens,
                             cost_usd=cost, error=error), problem is not None

    def run(self, brief: BriefDefinition, run_key: str, slot: datetime | None, now: datetime) -> RunOutcome:
        doc, stats, summary_missing = self.produce(brief, run_key, slot, now)
        reports = self._deliver(doc, brief.targets)
        delivered = [r for r in reports if r.status == "delivered"]
        failed_targets = [f"{r.target}: {r.error or r.status}" for r in reports if r.status != "delivered"]
        if stats.sources_ok == 0 or (reports and not delivered):
            status = "failed"
        elif stats.sources_failed or failed_targets or summary_missing:
            # (a chart that could not be drawn is said in the document, but the brief is whole)
            status = "partial"
        else:
            status = "succeeded"
        problems = [p for p in (stats.error, "; ".join(failed_targets)) if p]
        stats = RunStats(stats.sources_ok, stats.sources_failed, stats.tokens, stats.cost_usd, "; ".join(problems) or None)
        return RunOutcome(status, stats, doc, list(reports))

    def _summary(self, brief: BriefDefinition, packed: Any) -> tuple[str | None, int, float | None, str | None]:
        from bot.briefs.summary import summarize
        from bot.errors import BriefbotError

        if self.backend_factory is None:
            return None, 0, 0.0, "summary: no model configured"
        try:
            backend = self.backend_factory()
            try:
                result = summarize(backend, packed, brief.instructions, brief.language,
                                   max_tokens=self.settings.max_tokens, temperature=self.settings.temperature)
                cost = _cost(self.settings, backend, result.prompt_tokens, result.completion_tokens)
            finally:
                backend.close()
        except BriefbotError as exc:
            # The figures are still worth sending: the brief goes out without its summary, saying why.
            return None, 0, 0.0, f"summary: the model failed ({exc.message})"
        if result.problem:
            return None, result.prompt_tokens + result.completion_tokens, cost, f"summary: {result.problem}"
        return result.text, result.prompt_tokens + result.completion_tokens, cost, None

    def _pictures(self, records: Sequence[Record], lang: str, missing: list[str]) -> tuple[list[Chart], list[str]]:
        try:
            charts_for, sparklines_for = self.charts, self.sparklines
            if charts_for is None or sparklines_for is None:
                from bot.briefs.charts import charts_for as default_charts
                from bot.briefs.charts import sparklines_for as default_lines

                charts_for, sparklines_for = charts_for or default_charts, sparklines_for or default_lines
            return charts_for(records, lang=lang), sparklines_for(records, lang=lang)
        except Exception as exc:  # noqa: BLE001 - a chart that cannot be drawn must not sink the figures
            missing.append(f"charts: not drawn ({type(exc).__name__}: {exc})")
            return [], []

    def _deliver(self, doc: BriefDocument, targets: Sequence[DeliveryTarget]) -> list[DeliveryReport]:
        if not targets:
            return []
        deliver = self.deliver
        if deliver is None:
            from bot.briefs.targets import deliver_all

            deliver = deliver_all
        if self.http_factory is None:
            raise RuntimeError("BriefRunner needs http_factory to deliver")
        http = self.http_factory()
        try:
            return deliver(doc, list(targets), db_path=self.db_path, http=http)
        finally:
            http.close()


def document_title(brief: BriefDefinition, moment: datetime) -> str:
    local = brief.schedule.local(moment)
    return f"{brief.name} · {local.strftime('%Y-%m-%d %H:%M')} {local.tzname() or brief.schedule.timezone}"


def _cost(settings: Any, backend: ChatBackend, prompt_tokens: int, completion_tokens: int) -> float | None:
    from bot.pricing import PriceTable

    table = PriceTable.load(settings.price_table)
    return table.estimate(backend.model, prompt_tokens, completion_tokens, backend.name).usd
