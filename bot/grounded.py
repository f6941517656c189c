"""One grounded turn, before the model: question → plan → concurrent fetch → packed context.

The chat and ask commands call :func:`prepare_grounded_turn` and hand the result's
``system_prompt`` and ``user_message()`` to whichever LLM backend is configured. Nothing here
calls a model, except the optional tool-calling planner (it takes the SDK client as an
argument), so the whole stage runs and is tested offline.

    turn = prepare_grounded_turn("서울 날씨랑 원달러 환율", settings=settings)
    turn.plan          # Plan: steps, confidence, language
    turn.records       # records fetched
    turn.failures      # sources that failed (stated in the context too)
    turn.packed        # PackedContext: text, tokens, budget, sources, facts
    turn.system_prompt # grounded rules, in the question's language
    turn.messages()    # [system, user] ready for chat.completions.create
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.planner.plan import Lang, Plan, PlanStep
from bot.planner.rules import plan_question
from connectors.records import Record
from prompts.grounding import system_prompt as grounded_system_prompt
from prompts.packer import ContextPacker, PackedContext, SourceFailure

if TYPE_CHECKING:
    from bot.redact import Redactor
    from connectors.runtime import ConnectorRuntime


class Fetcher(Protocol):
    """Fetch every step (concurrently); one result list per step's records, failures apart."""

    def __call__(self, steps: Sequence[PlanStep]) -> tuple[list[Record], list[SourceFailure]]: ...


Planner = Callable[[str], Plan]


@dataclass(frozen=True)
class GroundedTurn:
    question: str
    lang: Lang
    plan: Plan
    records: list[Record]
    failures: list[SourceFailure]
    packed: PackedContext
    system_prompt: str

    def user_message(self) -> str:
        """The packed data, then the question (data first: the question stays at the end)."""
        return f"{self.packed.text}\n\nQuestion: {self.question}"

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system_prompt}, {"role": "user", "content": self.user_message()}]


class StepFetcher:
    """A fetcher defined by its per-step outcomes; calling it gathers records and failures."""

    def fetch_each(self, steps: Sequence[PlanStep]) -> list[tuple[list[Record], SourceFailure | None]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the fetcher holds (nothing here; the connector runtime in ConnectorFetcher)."""

    def __call__(self, steps: Sequence[PlanStep]) -> tuple[list[Record], list[SourceFailure]]:
        records: list[Record] = []
        failures: list[SourceFailure] = []
        for recs, failure in self.fetch_each(steps):
            records.extend(recs)
            if failure is not None:
                failures.append(failure)
        return records, failures


class ConnectorFetcher(StepFetcher):
    """The default fetcher: the connectors library's concurrent multi-fetch over one runtime.

    The runtime (its HTTP session with kept-alive connections, per-host rate limiters, cache
    and plugin registry) is built at the first fetch and kept until :meth:`close`, so a chat
    of many turns, or a scheduler of many runs, pays for it once.
    """

    def __init__(self, settings: Any, *, cache_dir: Path | None = None, env: Mapping[str, str] | None = None,
                 redactor: Redactor | None = None) -> None:
        self.settings = settings
        self.cache_dir = cache_dir
        self.env = dict(env or {})
        self.redactor = redactor  # the app's: it learns the plugins' keys when the runtime is built
        self._runtime: ConnectorRuntime | None = None

    def runtime(self) -> ConnectorRuntime:
        from connectors.runtime import ConnectorRuntime  # deferred: requests and pydantic are heavy

        if self._runtime is None:
            self._runtime = ConnectorRuntime(self.settings, cache_dir=self.cache_dir, env=self.env, redactor=self.redactor)
        return self._runtime

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()
            self._runtime = None

    def fetch_each(self, steps: Sequence[PlanStep]) -> list[tuple[list[Record], SourceFailure | None]]:
        """Per-step outcome, in step order; the steps run concurrently."""
        from connectors.concurrent import FetchFailure, fetch_many  # deferred: requests is heavy

        if not steps:
            return []
        out: list[tuple[list[Record], SourceFailure | None]] = []
        results = fetch_many(self.runtime(), [(s.connector, dict(s.params)) for s in steps])
        for step, result in zip(steps, results):
            if isinstance(result, FetchFailure):
                out.append(([], SourceFailure(step.connector, dict(step.params), result.message, type(result.error).__name__)))
            else:
                out.append((list(result.records), None))
        return out


def prepare_grounded_turn(
    question: str,
    *,
    settings: Any,
    fetcher: Fetcher | None = None,
    planner: Planner | None = None,
    now: datetime | None = None,
    tool_client: Any | None = None,
    tool_account: Any | None = None,
    max_tokens_field: str = "max_tokens",
    cache_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    redactor: Redactor | None = None,
) -> GroundedTurn:
    """Plan, fetch and pack one question; no LLM call unless ``tool_client`` is given.

    With ``tool_client`` (an ``openai.OpenAI``) and a plan the rules are not confident about,
    the model plans through tool calls (see :mod:`bot.planner.tools`); its fetched records are
    used as they are, and ``tool_account`` (a :class:`bot.chat.costs.PlanningCalls`) checks the
    budgets before each of those calls and records their usage. The embedded backend never
    passes a client: rules only.

    ``env`` is the process environment, where a third-party connector's declared key lives
    (built-in keys are settings); without it such a connector runs keyless.
    """
    now = now or datetime.now(timezone.utc)
    plan = planner(question) if planner else plan_question(question, now=now)
    if fetcher is not None:
        return _grounded_turn(question, plan, settings, fetcher, now, tool_client, tool_account, max_tokens_field)
    # Built here, closed here: its cache takes no more writes once the turn is over (or interrupted).
    own = ConnectorFetcher(settings, cache_dir=cache_dir, env=env, redactor=redactor)
    try:
        return _grounded_turn(question, plan, settings, own, now, tool_client, tool_account, max_tokens_field)
    finally:
        own.close()


def _grounded_turn(question: str, plan: Plan, settings: Any, fetch: Fetcher, now: datetime, tool_client: Any | None,
                   tool_account: Any | None, max_tokens_field: str) -> GroundedTurn:
    if tool_client is not None and not plan.confident:
        from bot.planner.tools import plan_with_tools  # deferred: only an unsure plan with a tool client needs it

        outcome = plan_with_tools(tool_client, question, plan=plan, model=settings.resolved_model(), fetcher=fetch,
                                  account=tool_account, max_tokens_field=max_tokens_field)
        plan, records, failures = outcome.plan, outcome.records, outcome.failures
    else:
        records, failures = fetch(plan.steps)
    packer = ContextPacker(
        budget=settings.context_budget_tokens,
        model=settings.resolved_model(),
        lang=plan.lang,
        topics=plan.topics,
        amount=plan.amount,
        target=plan.target,
        notes=plan.unresolved,
    )
    model_wanted_no_data = tool_client is not None and not plan.steps and not records and not failures
    if not model_wanted_no_data:
        packed = packer.pack(records, failures, now=now)
    else:
        # The model, offered the tools, called none: there is no context to pack or count
        # (counting would build the tokenizer, ~45 MB, for nothing).
        packed = PackedContext(text="", tokens=0, budget=packer.budget, sources=[], facts=[], lang=plan.lang)
    return GroundedTurn(
        question=question,
        lang=plan.lang,
        plan=plan,
        records=records,
        failures=failures,
        packed=packed,
        system_prompt=grounded_system_prompt(plan.lang),
    )
