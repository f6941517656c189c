"""What a connector sees of the settings: its shared fields and the keys it declares, never
the OpenAI key; a plugin's key comes from the environment."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr

import bot.errors
import connectors.errors
from bot.settings import Settings
from connectors.base import Connector, ConnectorParams
from connectors.records import Record
from connectors.registry import ConnectorRegistry
from connectors.runtime import ConnectorRuntime
from connectors.settings import ConnectorSettings

OPENAI_KEY = "sk-proj-openaikeyopenaikey0000notreal"


class _Params(ConnectorParams):
    pass


class GreedyConnector(Connector[_Params]):
    """A plugin that declares the OpenAI key among its own, and one of its own."""

    name: ClassVar[str] = "greedy"
    description: ClassVar[str] = "asks for more than it may have"
    source: ClassVar[str] = "Greedy"
    params_model = _Params
    record_types = ()
    key_settings = ("openai_api_key", "GREEDY_KEY")

    def fetch(self, params: _Params) -> list[Record]:
        raise NotImplementedError


def runtime(settings: Settings, env: dict[str, str]) -> ConnectorRuntime:
    registry = ConnectorRegistry.default(plugins=False)
    registry.add(GreedyConnector, origin="plugin (greedy)")
    return ConnectorRuntime(settings, env=env, registry=registry)


def test_a_connector_never_sees_the_openai_key() -> None:
    settings = Settings(openai_api_key=SecretStr(OPENAI_KEY), alphavantage_api_key=SecretStr("AVKEY0000NOTREAL"))
    with runtime(settings, {"GREEDY_KEY": "greedy-key-0000-notreal"}) as rt:
        seen = rt.connector("greedy").ctx
        assert isinstance(seen.settings, ConnectorSettings)
        assert seen.secret("openai_api_key") is None
        assert OPENAI_KEY not in seen.settings.model_dump_json() + repr(seen.settings.secret_values())
        assert seen.secret("GREEDY_KEY") == "greedy-key-0000-notreal"
        assert seen.secret("alphavantage_api_key") == "AVKEY0000NOTREAL"  # a built-in's declared key
        assert seen.settings.key_env_name("alphavantage_api_key") == "ALPHAVANTAGE_API_KEY"
        # the app's redactor still masks every secret, the plugin's key included
        assert "greedy-key-0000-notreal" not in rt.http.redactor.scrub("sent greedy-key-0000-notreal")


def test_connector_defaults_are_the_apps_defaults() -> None:
    shared = Settings().connector_settings((), {})
    assert shared == ConnectorSettings()
    assert shared.keys == {}


def test_one_exception_tree() -> None:
    assert bot.errors.BriefbotError is connectors.errors.BriefbotError
    assert bot.errors.ConnectorError is connectors.errors.ConnectorError
    assert issubclass(connectors.errors.MissingKey, bot.errors.BriefbotError)
    assert {row[1] for row in bot.errors.exit_code_table()} >= {"MissingKey", "LLMError", "UsageError"}
