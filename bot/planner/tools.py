"""Model tool calling, for questions the rules cannot plan with confidence.

Tool schemas come from the connectors' typed pydantic params (``Connector.tool_spec()``, JSON
Schema of the params model), and only the connectors the question can need are offered:
fewer tools, fewer prompt tokens and fewer wrong picks. The loop is bounded (``max_steps``
model calls), asks for parallel tool calls, and answers EVERY tool call of a turn with a
tool message — the cookbook loops that answer only the first one leave the conversation
invalid (the API rejects an assistant turn whose tool calls lack answers).

Used only with a backend that supports tools; the embedded model plans with rules only.
SDK errors are translated by :func:`bot.llm.openai_errors.translate`, the one place for that.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.planner.plan import Plan, PlanStep
from bot.redact import Redactor, redact_url
from connectors.records import Record
from connectors.registry import ConnectorRegistry
from connectors.tools import openai_tool
from prompts.packer import ContextPacker, SourceFailure

MAX_STEPS = 3
TOOL_RESULT_BUDGET = 400  # tokens per tool answer: the model plans, it does not answer here
# Tool calls and "done" are short; the bound keeps a planning reply that runs on cheap, and it
# is the completion side of the cost estimate checked before each call.
PLANNER_MAX_TOKENS = 300

PLANNER_SYSTEM = (
    "You decide which live data briefbot must fetch to answer the user's question. Call the "
    "tools that fetch it; call several at once when the question needs several sources. "
    "Use English place names and exchange tickers (e.g. 005930.KS). When the data is fetched, "
    "or no tool fits, reply with the single word: done."
)


class CallAccount(Protocol):
    """Holds each planning call to the rules of any model call (see bot.chat.costs.PlanningCalls):
    checked against the budgets before it is sent, written to the usage ledger after."""

    def before_call(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], max_tokens: int) -> None: ...

    def after_call(self, usage: tuple[int, int] | None, reply_text: str) -> None: ...


@dataclass
class ToolOutcome:
    plan: Plan
    records: list[Record] = field(default_factory=list)
    failures: list[SourceFailure] = field(default_factory=list)
    model_calls: int = 0


def candidate_connectors(plan: Plan, available: Sequence[str], registry: ConnectorRegistry | None = None) -> list[str]:
    """The connectors this question can need: those planned, and every connector (built-in or
    third-party) whose declared domain is one the question is about."""
    registry = registry or ConnectorRegistry.default()
    planned = {s.connector for s in plan.steps}
    domains = set(plan.domains) | {registry.get(n).domain for n in planned if n in registry.connectors}
    domains.discard("")
    if not planned and not domains:
        return list(available)  # nothing recognised: let the model choose among all
    return [n for n in available if n in planned or (n in registry.connectors and registry.get(n).domain in domains)]


def tool_schemas(names: Sequence[str], registry: ConnectorRegistry | None = None) -> list[dict[str, Any]]:
    """Chat Completions tool definitions: each connector's neutral spec, in OpenAI's format."""
    registry = registry or ConnectorRegistry.default()
    return [openai_tool(registry.get(n).tool()) for n in names]


def _fetch_each(fetcher: Any, steps: Sequence[PlanStep]) -> list[tuple[list[Record], SourceFailure | None]]:
    """Per-step results (each tool call needs its own answer), fetched concurrently if possible."""
    each = getattr(fetcher, "fetch_each", None)
    if callable(each):
        return list(each(steps))
    out: list[tuple[list[Record], SourceFailure | None]] = []
    for step in steps:
        records, failures = fetcher([step])
        out.append((records, failures[0] if failures else None))
    return out


def _step_from_call(name: str, arguments: str, known: Sequence[str]) -> PlanStep | str:
    connector = name.removeprefix("fetch_")
    if connector not in known:
        return f"unknown tool {name!r}"
    try:
        args = json.loads(arguments or "{}")
    except json.JSONDecodeError as exc:
        return f"arguments are not valid JSON ({exc.msg})"
    if not isinstance(args, dict):
        return "arguments must be a JSON object"
    params = {k: str(v) for k, v in args.items() if v is not None}
    return PlanStep(connector, params, "chosen by the model (tool call)")


def _endpoint(client: Any) -> str:
    return redact_url(str(getattr(client, "base_url", "the endpoint")))


def plan_with_tools(
    client: Any,
    question: str,
    *,
    plan: Plan,
    model: str,
    fetcher: Any,
    max_steps: int = MAX_STEPS,
    registry: Any | None = None,
    redactor: Any | None = None,
    account: CallAccount | None = None,
    max_tokens_field: str = "max_tokens",
) -> ToolOutcome:
    """Let the model call connectors as tools; every call is fetched and answered.

    ``max_tokens_field`` is the backend's name for the reply bound (OpenAI itself takes
    ``max_completion_tokens``; many compatible servers only ``max_tokens``)."""
    import openai  # deferred: the SDK is a heavy import, needed only when a model plans

    from bot.llm.openai_errors import check_completion, translate  # deferred: it imports the SDK too

    registry = registry or ConnectorRegistry.default()
    names = candidate_connectors(plan, registry.names(), registry)
    tools = tool_schemas(names, registry)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": PLANNER_SYSTEM},
        {"role": "user", "content": question},
    ]
    outcome = ToolOutcome(plan=plan)
    steps: list[PlanStep] = []
    for _ in range(max_steps):
        if account is not None:
            account.before_call(messages, tools, PLANNER_MAX_TOKENS)  # raises BudgetExceededError
        try:
            response = client.chat.completions.create(
                model=model, messages=messages, tools=tools, tool_choice="auto", parallel_tool_calls=True,
                **{max_tokens_field: PLANNER_MAX_TOKENS},
            )
        except (openai.OpenAIError, json.JSONDecodeError) as exc:  # the SDK does not wrap a body that is not JSON
            raise translate(exc, endpoint=_endpoint(client), model=model, retries=int(getattr(client, "max_retries", 0)),
                            redactor=redactor or Redactor()) from exc
        check_completion(response, _endpoint(client))
        outcome.model_calls += 1
        message = response.choices[0].message
        calls = list(message.tool_calls or [])
        if account is not None:
            usage = getattr(response, "usage", None)
            reply_text = (message.content or "") + "".join(c.function.arguments or "" for c in calls)
            account.after_call((usage.prompt_tokens, usage.completion_tokens) if usage else None, reply_text)
        if not calls:
            break
        messages.append({
            "role": "assistant",
            "content": message.content,
            "tool_calls": [
                {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
                for c in calls
            ],
        })
        parsed = [_step_from_call(c.function.name, c.function.arguments, names) for c in calls]
        runnable = [p for p in parsed if isinstance(p, PlanStep)]
        results = iter(_fetch_each(fetcher, runnable))
        for call, item in zip(calls, parsed):
            if isinstance(item, str):
                content = f"error: {item}"
            else:
                records, failure = next(results)
                steps.append(item)
                outcome.records.extend(records)
                if failure is not None:
                    outcome.failures.append(failure)
                    content = f"error: {failure.message}"
                else:
                    content = ContextPacker(budget=TOOL_RESULT_BUDGET, model=model, lang=plan.lang).pack(records).text
            messages.append({"role": "tool", "tool_call_id": call.id, "content": content})
    if not steps:
        # The model asked for nothing: fall back to whatever the rules found.
        records, failures = fetcher(plan.steps)
        outcome.records, outcome.failures = list(records), list(failures)
        return outcome
    outcome.plan = Plan(steps=steps, confident=True, lang=plan.lang, topics=plan.topics, amount=plan.amount)
    return outcome
