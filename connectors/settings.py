"""What a connector may know of the settings: :class:`ConnectorSettings`.

Only what connectors need — HTTP timeouts and deadline, URL rewrite rules, body limit, units,
upstream base URLs — plus the keys the registered connectors declare (``key_settings``),
resolved once by the app from its settings and environment. Never the OpenAI key, and
nothing else of the app: a third party's connector sees exactly what a built-in one sees.

The app's :class:`bot.settings.Settings` builds one with ``connector_settings(...)``; the
defaults below are the one source of the app's defaults for these fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.redact import Redactor, url_secrets


class ConnectorSettings(BaseModel):
    """The connector-facing settings of one process."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    http_rewrite: str | None = None  # FROM_PREFIX=TO_PREFIX pairs, comma-separated
    http_timeout: float = Field(10.0, gt=0)
    http_deadline: float = Field(30.0, gt=0)
    http_max_body_bytes: int | None = Field(None, ge=1024)
    units: Literal["metric", "imperial"] = "metric"
    open_meteo_url: str = "https://api.open-meteo.com"
    open_meteo_geocoding_url: str = "https://geocoding-api.open-meteo.com"
    open_meteo_air_url: str = "https://air-quality-api.open-meteo.com"
    frankfurter_url: str = "https://api.frankfurter.dev"
    upbit_url: str = "https://api.upbit.com"
    coingecko_url: str = "https://api.coingecko.com"
    yahoo_url: str = "https://query1.finance.yahoo.com"
    alphavantage_url: str = "https://www.alphavantage.co"
    # A connector's declared key setting (a settings field name, or for a plugin an
    # environment name) -> its value; unset keys are absent.
    keys: dict[str, SecretStr] = Field(default_factory=dict)
    # The same key settings -> the environment name a user sets, for messages.
    key_env_names: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> ConnectorSettings:
        """Fields by name; any other name is a key (how tests and the contract kit set them)."""
        fields = {k: v for k, v in values.items() if k in cls.model_fields}
        keys = {k: SecretStr(str(v)) for k, v in values.items() if k not in cls.model_fields and v}
        return cls(**fields, keys=keys, key_env_names={k: k.upper() for k in keys})

    def secret(self, setting: str) -> str | None:
        value = self.keys.get(setting)
        return value.get_secret_value() if value is not None else None

    def key_env_name(self, setting: str) -> str:
        return self.key_env_names.get(setting, setting)

    def base_url(self, setting: str) -> str | None:
        value = getattr(self, setting, None) if setting in type(self).model_fields else None
        return str(value) if value else None

    def secret_values(self) -> list[str]:
        out = [value.get_secret_value() for value in self.keys.values()]
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, str) and "://" in value:
                out.extend(url_secrets(value))  # a base URL with user:password@ or ?key=
        return out

    def redactor(self) -> Redactor:
        return Redactor(self.secret_values())


class ConnectorSettingsSource(Protocol):
    """Anything that can hand connectors their settings (the app's Settings does)."""

    def connector_settings(self, key_settings: Iterable[str], env: Mapping[str, str]) -> ConnectorSettings: ...

    def redactor(self) -> Redactor: ...
