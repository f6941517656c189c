"""What a connector is about is declared on its class, and a third party's connector that
declares the same things as a built-in is treated the same by the packer and the tool planner."""

from __future__ import annotations

from typing import ClassVar, Literal

from bot.planner.rules import plan_question
from bot.planner.tools import candidate_connectors, tool_schemas
from connectors.base import Connector, ConnectorParams
from connectors.crypto import CryptoConnector
from connectors.records import Observation, Record
from connectors.registry import ConnectorRegistry
from connectors.tools import ToolSpec, openai_tool
from prompts.fields import ConnectorTraits, installed_traits, select_fields, traits_from


class GoldParams(ConnectorParams):
    unit: str = "oz"


class GoldQuote(Observation):
    kind: Literal["gold.quote"] = "gold.quote"
    price: float
    vendor_code: str


class GoldConnector(Connector[GoldParams]):
    """A plugin-like connector: declared exactly as the built-in finance connectors are."""

    name: ClassVar[str] = "gold"
    description: ClassVar[str] = "gold spot price"
    tool_description: ClassVar[str] = "the spot price of gold per troy ounce, in USD"
    source: ClassVar[str] = "Gold Demo"
    domain: ClassVar[str] = "finance"
    answer_fields: ClassVar[tuple[str, ...]] = ("price",)
    params_model = GoldParams
    record_types = (GoldQuote,)

    def fetch(self, params: GoldParams) -> list[Record]:
        raise NotImplementedError


class UndeclaredConnector(GoldConnector):
    name: ClassVar[str] = "undeclared"
    domain: ClassVar[str] = ""
    answer_fields: ClassVar[tuple[str, ...]] = ()


def registry_with_plugins() -> ConnectorRegistry:
    registry = ConnectorRegistry.default(plugins=False)
    registry.add(GoldConnector, origin="plugin (gold-demo)")
    registry.add(UndeclaredConnector, origin="plugin (undeclared-demo)")
    return registry


def test_built_ins_declare_their_domain_and_answer_fields() -> None:
    assert {n: installed_traits(n).domain for n in ("weather", "air", "fx", "crypto", "stocks")} == {
        "weather": "weather", "air": "weather", "fx": "finance", "crypto": "finance", "stocks": "finance"}
    assert installed_traits("crypto") == ConnectorTraits.of(CryptoConnector)


def test_the_packer_keeps_a_declared_plugins_answer_fields_and_drops_the_rest() -> None:
    traits_of = traits_from(registry_with_plugins().connectors)
    fields = ["price", "vendor_code", "latitude"]
    # Declared like a built-in: its answer field stays, an undeclared extra goes, like crypto's would.
    assert select_fields(fields, "gold", frozenset(), traits_of) == ["price"]
    assert select_fields(fields, "crypto", frozenset(), traits_of) == ["price"]
    # Declaring nothing: everything but noise stays (its core cannot be guessed).
    assert select_fields(fields, "undeclared", frozenset(), traits_of) == ["price", "vendor_code"]


def test_the_tool_planner_offers_a_plugin_of_the_questions_domain() -> None:
    registry = registry_with_plugins()
    unsure_fx = plan_question("How is the yen doing?", plugins=[])
    offered = candidate_connectors(unsure_fx, registry.names(), registry)
    assert set(offered) == {"fx", "crypto", "stocks", "gold"}
    no_place = plan_question("What's the weather?", plugins=[])
    assert set(candidate_connectors(no_place, registry.names(), registry)) == {"weather", "air"}


def test_tool_specs_are_neutral_with_an_openai_adapter() -> None:
    spec = GoldConnector.tool()
    assert spec == ToolSpec("fetch_gold", "the spot price of gold per troy ounce, in USD", spec.parameters)
    assert set(spec.parameters["properties"]) == {"unit"}
    (openai,) = tool_schemas(["gold"], registry_with_plugins())
    assert openai == openai_tool(spec) == {
        "type": "function",
        "function": {"name": "fetch_gold", "description": spec.description, "parameters": spec.parameters},
    }
    assert GoldConnector.tool_spec() == openai


