"""Settings: one typed model, filled from layered sources, each value knowing where it came from.

Precedence, highest first:

1. command-line flags (passed in as ``overrides``)
2. the process environment
3. a ``.env`` file, found from the working directory upward (python-dotenv); it never
   overrides a variable that is really set in the environment
4. the user config file ``$XDG_CONFIG_HOME/briefbot/config.toml`` (or the file ``BRIEFBOT_CONFIG`` names)
5. defaults

Environment names are the standard OpenAI ones where they exist (``OPENAI_API_KEY``,
``OPENAI_BASE_URL``, ``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID``) and ``BRIEFBOT_*`` otherwise.
The config file uses the lower-case field names (``model = "gpt-4o"``).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from bot.errors import ConfigError, InvalidKeyFormatError, UsageError
from connectors.settings import ConnectorSettings
from bot.paths import AppPaths
from bot.redact import Redactor, mask, redact_url, url_secrets

Backend = Literal["auto", "openai", "local"]
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_LOCAL_MODEL = "gemma-3-270m"


# Secrets that belong to the LLM layer and are never handed to a connector.
_LLM_SECRETS = frozenset({"openai_api_key"})


def _connector_default(name: str) -> Any:
    """The default of a connector-facing field, defined once in :class:`ConnectorSettings`."""
    return ConnectorSettings.model_fields[name].default


def _f(env: str, description: str, default: Any = None, *, secret: bool = False, **kw: Any) -> Any:
    return Field(default, description=description, json_schema_extra={"env": env, "secret": secret}, **kw)


class Settings(BaseModel):
    """Every setting briefbot reads. ``.env.example`` documents the same list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- LLM -----------------------------------------------------------------------------
    openai_api_key: SecretStr | None = _f("OPENAI_API_KEY", "OpenAI (or compatible server) API key", secret=True)
    openai_base_url: str | None = _f("OPENAI_BASE_URL", "Chat Completions base URL (OpenAI, vLLM, Ollama, llama.cpp server)")
    openai_org_id: str | None = _f("OPENAI_ORG_ID", "OpenAI organization id (optional)")
    openai_project_id: str | None = _f("OPENAI_PROJECT_ID", "OpenAI project id (optional)")
    backend: Backend = _f("BRIEFBOT_BACKEND", "auto | openai | local (auto: openai when a key or base URL is set)", "auto")
    model: str | None = _f("BRIEFBOT_MODEL", f"model name (default {DEFAULT_OPENAI_MODEL} on openai, {DEFAULT_LOCAL_MODEL} embedded)")
    timeout: float = _f("BRIEFBOT_TIMEOUT", "seconds to wait for the LLM endpoint", 60.0, gt=0)
    max_retries: int = _f("BRIEFBOT_MAX_RETRIES", "retries the OpenAI SDK makes (429, 5xx, connection errors)", 2, ge=0, le=10)
    max_tokens: int | None = _f("BRIEFBOT_MAX_TOKENS", "upper bound on tokens per answer (default 512 openai, 200 embedded)", None, gt=0)
    temperature: float | None = _f("BRIEFBOT_TEMPERATURE", "sampling temperature (backend default when unset)", None, ge=0, le=2)
    local_model_path: Path | None = _f("BRIEFBOT_LOCAL_MODEL_PATH", "a GGUF file for the embedded backend (default: bundled Gemma 3 270M)")
    local_context: int = _f("BRIEFBOT_LOCAL_CONTEXT", "context window of the embedded model, tokens", 4096, ge=512)
    local_threads: int | None = _f("BRIEFBOT_LOCAL_THREADS", "CPU threads for the embedded model (default: all cores)", None, ge=1)

    # --- conversation ------------------------------------------------------------------------
    persona: str | None = _f("BRIEFBOT_PERSONA", "persona name (prompts/personas or config dir)")
    system_prompt: str | None = _f("BRIEFBOT_SYSTEM", "extra system message added to every conversation")
    history_db: Path | None = _f("BRIEFBOT_HISTORY_DB", "SQLite history file (default: data dir)")
    history_budget_tokens: int = _f("BRIEFBOT_HISTORY_BUDGET", "tokens of past conversation sent with each turn", 3000, ge=200)
    timezone: str | None = _f("BRIEFBOT_TIMEZONE", "time zone for shown times and the per-day budget's midnight, e.g. Asia/Seoul (default: the system's)")

    # --- grounding, cost ---------------------------------------------------------------------
    grounding: bool = _f("BRIEFBOT_GROUNDING", "fetch live data for questions that need it (0 to chat without data)", True)
    context_budget_tokens: int = _f("BRIEFBOT_CONTEXT_BUDGET", "tokens of packed data context per question", 1500, ge=100)
    budget_per_request_usd: float | None = _f("BRIEFBOT_BUDGET_PER_REQUEST", "refuse a call estimated above this cost (USD)", None, ge=0)
    budget_per_day_usd: float | None = _f("BRIEFBOT_BUDGET_PER_DAY", "refuse calls once today's spend (since midnight in BRIEFBOT_TIMEZONE) would pass this (USD)", None, ge=0)
    price_table: Path | None = _f("BRIEFBOT_PRICE_TABLE", "JSON price table overriding the bundled one")

    # --- connectors --------------------------------------------------------------------------
    http_rewrite: str | None = _f("BRIEFBOT_HTTP_REWRITE", "FROM_PREFIX=TO_PREFIX pairs, comma-separated, applied to connector URLs")
    http_timeout: float = _f("BRIEFBOT_HTTP_TIMEOUT", "seconds a connector waits for a data source to answer", _connector_default("http_timeout"), gt=0)
    http_deadline: float = _f("BRIEFBOT_HTTP_DEADLINE", "total seconds a connector may spend, retries included", _connector_default("http_deadline"), gt=0)
    http_max_body_bytes: int | None = _f(
        "BRIEFBOT_HTTP_MAX_BODY_BYTES", "largest answer body a data source may send, bytes (default: each connector's own, 2 MiB built in)", None, ge=1024
    )
    alphavantage_api_key: SecretStr | None = _f("ALPHAVANTAGE_API_KEY", "Alpha Vantage key (stocks; optional)", secret=True)
    coingecko_api_key: SecretStr | None = _f("COINGECKO_API_KEY", "CoinGecko demo key (optional)", secret=True)
    open_meteo_url: str = _f("BRIEFBOT_OPEN_METEO_URL", "Open-Meteo forecast API base", _connector_default("open_meteo_url"))
    open_meteo_geocoding_url: str = _f("BRIEFBOT_OPEN_METEO_GEOCODING_URL", "Open-Meteo geocoding API base", _connector_default("open_meteo_geocoding_url"))
    open_meteo_air_url: str = _f("BRIEFBOT_OPEN_METEO_AIR_URL", "Open-Meteo air-quality API base", _connector_default("open_meteo_air_url"))
    frankfurter_url: str = _f("BRIEFBOT_FRANKFURTER_URL", "Frankfurter API base", _connector_default("frankfurter_url"))
    upbit_url: str = _f("BRIEFBOT_UPBIT_URL", "Upbit quotation API base", _connector_default("upbit_url"))
    coingecko_url: str = _f("BRIEFBOT_COINGECKO_URL", "CoinGecko API base", _connector_default("coingecko_url"))
    yahoo_url: str = _f("BRIEFBOT_YAHOO_URL", "Yahoo Finance chart API base", _connector_default("yahoo_url"))
    alphavantage_url: str = _f("BRIEFBOT_ALPHAVANTAGE_URL", "Alpha Vantage API base", _connector_default("alphavantage_url"))
    units: Literal["metric", "imperial"] = _f(
        "BRIEFBOT_UNITS", "weather units when a question does not say: metric (°C, km/h, mm) or imperial (°F, mph, inch)", "metric"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        from bot.localtime import check_zone_name

        return check_zone_name(value) if value else None

    # ----------------------------------------------------------------------------------------
    def resolved_backend(self) -> Literal["openai", "local"]:
        if self.backend != "auto":
            return self.backend
        return "openai" if (self.openai_api_key or self.openai_base_url) else "local"

    def resolved_model(self) -> str:
        if self.model:
            return self.model
        return DEFAULT_OPENAI_MODEL if self.resolved_backend() == "openai" else DEFAULT_LOCAL_MODEL

    def secret_values(self) -> list[str]:
        out: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                out.append(value.get_secret_value())
            elif isinstance(value, str) and "://" in value:
                # OPENAI_BASE_URL=http://user:pw@host/v1 or a base URL with ?key=: the password
                # is a secret even though the setting is not.
                out.extend(url_secrets(value))
        return out

    def redactor(self) -> Redactor:
        return Redactor(self.secret_values())

    def connector_settings(self, key_settings: Iterable[str], env: Mapping[str, str]) -> ConnectorSettings:
        """What connectors may see: their shared fields and the keys they declare.

        A declared key is a settings field (built-ins) or, for a third party's connector, an
        environment name read from ``env``. The OpenAI key and the rest stay here.
        """
        shared = {name: getattr(self, name) for name in ConnectorSettings.model_fields if name in type(self).model_fields}
        env_names = field_env_names()
        keys: dict[str, SecretStr] = {}
        key_env_names: dict[str, str] = {}
        for setting in key_settings:
            if setting in _LLM_SECRETS:
                continue  # a connector declaring the OpenAI key gets nothing: it is the LLM's alone
            if setting in type(self).model_fields:
                key_env_names[setting] = env_names[setting]
                value = getattr(self, setting)
                if isinstance(value, SecretStr):
                    keys[setting] = value
            else:
                key_env_names[setting] = setting
                if env.get(setting):
                    keys[setting] = SecretStr(env[setting])
        return ConnectorSettings(**shared, keys=keys, key_env_names=key_env_names)

    def talks_to_openai_itself(self) -> bool:
        return self.openai_base_url is None or "api.openai.com" in self.openai_base_url


def field_env_names() -> dict[str, str]:
    """field name -> environment variable name."""
    return {name: _extra(name)["env"] for name in Settings.model_fields}


def _extra(name: str) -> dict[str, Any]:
    extra = Settings.model_fields[name].json_schema_extra
    assert isinstance(extra, dict)
    return extra


def is_secret_field(name: str) -> bool:
    return bool(_extra(name)["secret"])


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    origin: dict[str, str]  # field name -> "flag", "env", ".env (path)", "config (path)", "default"
    paths: AppPaths
    warnings: tuple[str, ...] = ()  # problems worth a line on stderr that need not stop the run

    def display_value(self, name: str) -> str:
        value = getattr(self.settings, name)
        if value is None:
            return "(unset)"
        if isinstance(value, SecretStr):
            return mask(value.get_secret_value())
        if isinstance(value, str) and "://" in value:
            return redact_url(value)
        return str(value)


def load_settings(
    env: Mapping[str, str],
    *,
    cwd: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> LoadedSettings:
    """Build settings from all layers. ``env`` is the process environment, passed in."""
    paths = AppPaths.from_env(env)
    env_names = field_env_names()
    values: dict[str, Any] = {}
    origin: dict[str, str] = {name: "default" for name in Settings.model_fields}

    config_file = Path(env["BRIEFBOT_CONFIG"]) if env.get("BRIEFBOT_CONFIG") else paths.config_file
    if env.get("BRIEFBOT_CONFIG") and not config_file.is_file():
        # A file named explicitly must exist: silently falling back to defaults hides a typo.
        raise ConfigError(
            f"BRIEFBOT_CONFIG names {config_file}, which is not a file",
            hint="fix the path, or unset BRIEFBOT_CONFIG to use the default config file",
        )
    for name, value in _read_config_file(config_file).items():
        values[name] = value
        origin[name] = f"config ({config_file})"

    dotenv_path, dotenv_values = read_dotenv(cwd or Path.cwd(), env)
    warnings = _unknown_dotenv_names(dotenv_path, dotenv_values, env_names)
    for name, var in env_names.items():
        if var in dotenv_values and dotenv_values[var] not in (None, ""):
            values[name] = dotenv_values[var]
            origin[name] = f".env ({dotenv_path})"

    for name, var in env_names.items():
        if env.get(var, "") != "":
            values[name] = env[var]
            origin[name] = f"env {var}"

    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
            origin[name] = "flag"

    try:
        settings = Settings(**values)
    except ValidationError as exc:
        problems = []
        from_flags = True
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "?"
            where = origin.get(name, "?")
            if where == "flag":
                problems.append(f"--{name.replace('_', '-')}: {err['msg']}")
                continue
            from_flags = False
            var = env_names.get(name, name)
            problems.append(f"{var} (from {where}): {err['msg']}")
        if from_flags:
            # Only command-line values are wrong: a usage error, not a configuration one.
            raise UsageError("invalid option: " + "; ".join(problems), hint="`briefbot COMMAND --help` lists the options")
        raise ConfigError(
            "invalid setting: " + "; ".join(problems),
            hint="fix the value, or run `briefbot config show` to see where each setting comes from",
        ) from None  # the pydantic error repeats the input value, which may be a secret
    return LoadedSettings(settings=settings, origin=origin, paths=paths, warnings=warnings)


# Names in .env that belong to briefbot or the OpenAI SDK's family; other names (DATABASE_URL)
# are other programs' business and pass in silence.
_OUR_PREFIXES = ("BRIEFBOT_", "OPENAI_")


def _unknown_dotenv_names(path: Path | None, values: Mapping[str, str | None], env_names: Mapping[str, str]) -> tuple[str, ...]:
    """A warning per BRIEFBOT_*/OPENAI_* name in .env that no setting reads: a typo there would
    otherwise be ignored in silence (config.toml refuses unknown names outright)."""
    known = set(env_names.values()) | {"BRIEFBOT_CONFIG", "BRIEFBOT_NO_DOTENV"}
    out: list[str] = []
    for name in values:
        if name.startswith(_OUR_PREFIXES) and name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
            fix = f"did you mean {close[0]}?" if close else "`briefbot config show` lists the valid names"
            out.append(f"unknown setting {name} in {path}: ignored; {fix}")
    return tuple(out)


def _read_config_file(path: Path) -> dict[str, Any]:
    if path.exists() and not path.is_file():
        raise ConfigError(
            f"config file {path} is a directory, not a file",
            hint="remove the directory, or put your settings in a file of that name (see `briefbot config show`)",
        )
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}", hint="fix or remove the file") from exc
    unknown = sorted(set(data) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(
            f"unknown setting(s) in {path}: {', '.join(unknown)}",
            hint="`briefbot config show` lists the valid names",
        )
    return data


def read_dotenv(cwd: Path, env: Mapping[str, str]) -> tuple[Path | None, dict[str, str | None]]:
    if env.get("BRIEFBOT_NO_DOTENV"):
        return None, {}
    from dotenv import dotenv_values  # deferred: keeps `--help` fast

    for directory in (cwd, *cwd.parents):
        candidate = directory / ".env"
        if candidate.is_file():
            try:
                return candidate, dict(dotenv_values(candidate))
            except (OSError, UnicodeDecodeError) as exc:
                # Without this, a .env that is not UTF-8 ended as "unexpected error, a bug" (exit 1).
                raise ConfigError(
                    f"cannot read {candidate}: {exc}", hint="save the .env file as UTF-8 text, or remove it"
                ) from exc
    return None, {}


_OPENAI_KEY = re.compile(r"^sk-[A-Za-z0-9_\-]{20,}$")


def check_key_format(settings: Settings) -> None:
    """Reject a key that cannot work, before any network call is made.

    Compatible servers (vLLM, Ollama) accept any token, so only characters that can never be
    sent in an HTTP header are refused there; against OpenAI itself the ``sk-`` shape is required.
    """
    if settings.openai_api_key is None:
        return
    key = settings.openai_api_key.get_secret_value()
    shown = mask(key)
    if key != key.strip() or any(c.isspace() for c in key):
        raise InvalidKeyFormatError(
            f"OPENAI_API_KEY ({shown}) contains whitespace",
            hint="copy the key again without spaces or line breaks; in .env write OPENAI_API_KEY=sk-... without quotes",
        )
    if not key.isascii() or not key.isprintable():
        raise InvalidKeyFormatError(
            "OPENAI_API_KEY contains non-ASCII characters, so it is a placeholder, not a key",
            hint="put your real key (it starts with sk-) in .env or the environment",
        )
    if key[0] in "\"'" or key[-1] in "\"'":
        raise InvalidKeyFormatError(f"OPENAI_API_KEY ({shown}) is wrapped in quotes", hint="remove the quotes")
    if settings.resolved_backend() == "openai" and settings.talks_to_openai_itself() and not _OPENAI_KEY.match(key):
        raise InvalidKeyFormatError(
            f"OPENAI_API_KEY ({shown}) does not look like an OpenAI key (expected sk-... , 20+ characters)",
            hint="create a key at platform.openai.com/api-keys, or set OPENAI_BASE_URL for a compatible server",
        )
