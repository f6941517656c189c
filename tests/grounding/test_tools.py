"""Tool-calling planner against a real local server in OpenAI's wire format, via the real SDK."""

from __future__ import annotations

from datetime import datetime, timezone

import openai
import pytest

from bot.errors import AuthenticationError
from bot.grounded import prepare_grounded_turn
from bot.planner.plan import Plan
from bot.planner.rules import plan_question
from bot.planner.tools import candidate_connectors, plan_with_tools, tool_schemas
from bot.settings import Settings
from connectors.registry import ConnectorRegistry
from tests.grounding.qset import RecordedFetcher
from tests.support.openai_server import Error, OpenAIServer, Reply, ToolCall

NOW = datetime(2025, 7, 30, 17, 20, tzinfo=timezone.utc)
# The model's tool call for a coin carries no days= (the connector's default, 7 candles): the
# ticker and the recorded candles answer it. The rules ask for the quote alone (days=0).
DATA = {"crypto market=KRW-BTC": "upbit_btc_history", "crypto market=KRW-BTC days=0": "upbit_btc",
        "fx base=USD symbols=KRW": "fx_usd_krw"}


def client(server: OpenAIServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="sk-test-1234567890abcdefghij", max_retries=0)


def test_schemas_come_from_the_connectors_params_models() -> None:
    registry = ConnectorRegistry.default(plugins=False)
    (fx,) = tool_schemas(["fx"], registry)
    assert fx["type"] == "function" and fx["function"]["name"] == "fetch_fx"
    props = fx["function"]["parameters"]["properties"]
    assert {"base", "symbols"} <= set(props)


def test_only_the_tools_the_question_can_need_are_offered() -> None:
    names = ConnectorRegistry.default(plugins=False).names()
    unsure_fx = plan_question("How is the yen doing?")
    assert set(candidate_connectors(unsure_fx, names)) == {"fx", "crypto", "stocks"}
    no_place = plan_question("What's the weather?")
    assert set(candidate_connectors(no_place, names)) == {"weather", "air"}
    assert candidate_connectors(Plan([], False, "en"), names) == names


def test_parallel_tool_calls_are_all_fetched_and_all_answered(openai_server: OpenAIServer) -> None:
    openai_server.script(
        Reply(text=None, tool_calls=[
            ToolCall("fetch_crypto", {"market": "KRW-BTC"}, id="call_a"),
            ToolCall("fetch_fx", {"base": "USD", "symbols": "KRW"}, id="call_b"),
            ToolCall("fetch_nope", {}, id="call_c"),
        ]),
        Reply(text="done"),
    )
    rules = Plan([], False, "ko", unresolved=["no known place, company, coin or currency in the question"])
    fetcher = RecordedFetcher(DATA, NOW)
    outcome = plan_with_tools(client(openai_server), "코인이랑 환율", plan=rules, model="gpt-4o-mini", fetcher=fetcher,
                              registry=ConnectorRegistry.default(plugins=False))
    assert [s.as_cli() for s in outcome.plan.steps] == ["crypto market=KRW-BTC", "fx base=USD symbols=KRW"]
    assert len(fetcher.calls) == 1 and len(fetcher.calls[0]) == 2  # one concurrent batch
    assert {r.connector for r in outcome.records} == {"crypto", "fx"}
    first, second = (r.body for r in openai_server.completion_requests)
    assert first["parallel_tool_calls"] is True
    assert {t["function"]["name"] for t in first["tools"]} == {f"fetch_{n}" for n in ("weather", "air", "fx", "crypto", "stocks")}
    tool_msgs = [m for m in second["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_msgs] == ["call_a", "call_b", "call_c"]
    assert "162876000" in tool_msgs[0]["content"] and "1453.64" in tool_msgs[1]["content"]
    assert tool_msgs[2]["content"].startswith("error: unknown tool")
    assert outcome.model_calls == 2


def test_loop_is_bounded(openai_server: OpenAIServer) -> None:
    openai_server.default = Reply(text=None, tool_calls=[ToolCall("fetch_crypto", {"market": "KRW-BTC"})])
    outcome = plan_with_tools(client(openai_server), "q", plan=Plan([], False, "en"), model="gpt-4o-mini",
                              fetcher=RecordedFetcher(DATA, NOW), max_steps=2, registry=ConnectorRegistry.default(plugins=False))
    assert outcome.model_calls == 2 == len(openai_server.completion_requests)


def test_sdk_errors_map_to_briefbot_errors(openai_server: OpenAIServer) -> None:
    openai_server.script(Error.invalid_api_key())
    with pytest.raises(AuthenticationError):
        plan_with_tools(client(openai_server), "q", plan=Plan([], False, "en"), model="gpt-4o-mini",
                        fetcher=RecordedFetcher(DATA, NOW), registry=ConnectorRegistry.default(plugins=False))


def test_confident_rules_never_call_the_model(openai_server: OpenAIServer) -> None:
    turn = prepare_grounded_turn("비트코인 얼마야?", settings=Settings(), fetcher=RecordedFetcher(DATA, NOW), now=NOW,
                                 tool_client=client(openai_server))
    assert openai_server.completion_requests == []
    assert "162876000" in turn.packed.text
