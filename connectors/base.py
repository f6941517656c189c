"""What a connector is: a name, typed params, a fetch step and a transform into records.

A connector subclasses :class:`Connector` and declares, as class attributes, its name,
description, source, params model and record types; it implements :meth:`Connector.fetch`,
which calls its upstream through ``self.ctx.http`` (the shared session, with timeouts,
retries, rate limits and redaction already applied) and turns the payload into records.
Caching, stale fallback and concurrency live in :mod:`connectors.runtime`, not here.
"""

from __future__ import annotations

import types
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.fields import FieldInfo

from connectors.cache import FileCache
from connectors.errors import InvalidParams, MissingKey
from connectors.http import DEFAULT_MAX_BODY_BYTES, HttpClient, HttpResponse
from connectors.records import Record
from connectors.settings import ConnectorSettings
from connectors.tools import ToolSpec, openai_tool


class ConnectorParams(BaseModel):
    """Base of every params model: unknown names are errors, text is trimmed."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


P = TypeVar("P", bound=ConnectorParams)


@dataclass
class ConnectorContext:
    """Everything a connector may use; built by the runtime, never from globals."""

    settings: ConnectorSettings
    http: HttpClient
    now: Callable[[], datetime]
    cache: FileCache | None = None
    env: Mapping[str, str] = field(default_factory=dict)

    def base_url(self, setting: str | None, default: str | None = None) -> str:
        value = (self.settings.base_url(setting) or self.env.get(setting)) if setting else None
        value = value or default
        if not value:
            raise InvalidParams(f"no base URL configured ({setting})")
        return str(value).rstrip("/")

    def secret(self, setting: str) -> str | None:
        """A declared key, resolved by the app from its settings (built-ins) or the environment
        (third-party connectors) into :class:`ConnectorSettings`."""
        return self.settings.secret(setting)


@dataclass(frozen=True)
class ParamInfo:
    name: str
    type: str
    required: bool
    default: Any
    description: str
    examples: list[Any]


class Connector(ABC, Generic[P]):
    name: ClassVar[str]
    description: ClassVar[str]
    source: ClassVar[str]  # human name of the upstream(s), e.g. "Open-Meteo"
    params_model: ClassVar[type[ConnectorParams]]
    record_types: ClassVar[tuple[type[Record], ...]]
    examples: ClassVar[tuple[str, ...]] = ()  # "place=서울 days=3", shown by `connectors show`
    ttl_seconds: ClassVar[float] = 300.0  # fresh for this long: no request at all
    stale_max_seconds: ClassVar[float] = 24 * 3600.0  # served, labelled, when the source is down
    # What the connector is about, declared so the packer and the tool planner treat a third
    # party's connector exactly like a built-in one:
    #   domain         "weather" (weather and air outside), "finance" (prices, rates), or ""
    #                  when it is neither (its series then get every derived fact, its
    #                  fields are all kept but noise);
    #   answer_fields  regular expressions for the fields that answer its questions (a price,
    #                  a temperature, a rate): kept even when no topic word asks for them;
    #   tool_description  what a model is told the tool does (default: ``description``).
    domain: ClassVar[str] = ""
    answer_fields: ClassVar[tuple[str, ...]] = ()
    tool_description: ClassVar[str] = ""
    # Words in a question that ask for this connector's data. The rules planner knows the
    # built-ins' vocabulary already; a third party's connector is planned by these.
    keywords: ClassVar[tuple[str, ...]] = ()
    key_settings: ClassVar[tuple[str, ...]] = ()  # settings fields (or env names) of keys it can use
    key_required: ClassVar[bool] = False
    base_url_settings: ClassVar[tuple[str, ...]] = ()  # settings fields of its upstream base URLs
    # Largest answer body accepted (BRIEFBOT_HTTP_MAX_BODY_BYTES overrides it for all); reading stops there.
    max_body_bytes: ClassVar[int] = DEFAULT_MAX_BODY_BYTES

    def __init__(self, ctx: ConnectorContext) -> None:
        self.ctx = ctx

    # -- the two steps a connector implements ----------------------------------------------
    @abstractmethod
    def fetch(self, params: P) -> list[Record]:
        """Call the upstream and return records, primary record first."""

    def ttl_for(self, params: P) -> float:
        """Seconds a result for ``params`` stays fresh (historical data can live longer)."""
        return self.ttl_seconds

    # -- helpers ---------------------------------------------------------------------------
    @classmethod
    def parse_params(cls, raw: Mapping[str, Any]) -> P:
        try:
            return typing.cast(P, cls.params_model.model_validate(dict(raw)))
        except ValidationError as exc:
            raise invalid_params(cls, exc) from None  # pydantic's text repeats the raw input

    def param_defaults(self) -> Mapping[str, Any]:
        """Params a user setting fills when a request leaves them out (BRIEFBOT_UNITS for
        weather). They are part of the request, so of its cache key: changing the setting never
        serves figures cached in the other units."""
        return {}

    def provenance(self, response: HttpResponse) -> dict[str, Any]:
        """The record fields that say where data came from; splat into a record constructor."""
        return {
            "connector": self.name,
            "source": response.source,
            "source_url": response.url,
            "fetched_at": response.fetched_at,
        }

    def require_key(self, setting: str, env_name: str, *, why: str) -> str:
        key = self.ctx.secret(setting)
        if not key:
            raise MissingKey(
                f"{self.name}: {why} needs {env_name}, which is not set",
                hint=f"get a key from the provider and put {env_name}=... in .env or the environment",
            )
        return key

    @classmethod
    def key_status(cls, settings: ConnectorSettings) -> str:
        """'-' (uses no key), or 'required'/'optional' with the env names and whether set."""
        if not cls.key_settings:
            return "-"
        parts = [
            f"{settings.key_env_name(s)} {'set' if settings.secret(s) else 'unset'}" for s in cls.key_settings
        ]
        return ("required: " if cls.key_required else "optional: ") + ", ".join(parts)

    @classmethod
    def is_configured(cls, settings: ConnectorSettings) -> bool:
        return not cls.key_required or all(settings.secret(s) for s in cls.key_settings)

    @classmethod
    def params_table(cls) -> list[ParamInfo]:
        return [_param_info(name, info) for name, info in cls.params_model.model_fields.items()]

    @classmethod
    def tool(cls) -> ToolSpec:
        """The neutral tool spec a model asks for this data with."""
        schema = cls.params_model.model_json_schema()
        schema.pop("title", None)
        return ToolSpec(f"fetch_{cls.name}", cls.tool_description or cls.description, schema)

    @classmethod
    def tool_spec(cls) -> dict[str, Any]:
        """An OpenAI Chat Completions tool definition, so a model can ask for this data."""
        return openai_tool(cls.tool())


def invalid_params(cls: type[Connector[Any]], exc: ValidationError) -> InvalidParams:
    problems: list[str] = []
    for err in exc.errors(include_input=False, include_url=False):
        name = ".".join(str(part) for part in err["loc"])
        if err["type"] == "extra_forbidden":
            problems.append(f"unknown parameter '{name}'")
        elif err["type"] == "missing":
            problems.append(f"'{name}' is required")
        else:
            msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
            problems.append(f"'{name}': {msg}" if name else msg)
    allowed = ", ".join(f"{p.name}=<{p.type}>" for p in cls.params_table())
    example = f"; e.g. briefbot fetch {cls.name} {cls.examples[0]}" if cls.examples else ""
    return InvalidParams(
        f"{cls.name}: " + "; ".join(problems),
        hint=f"allowed: {allowed}{example} (`briefbot connectors show {cls.name}` explains each)",
    )


def _param_info(name: str, info: FieldInfo) -> ParamInfo:
    return ParamInfo(
        name=name,
        type=type_name(info.annotation),
        required=info.is_required(),
        default=None if info.is_required() else info.get_default(call_default_factory=True),
        description=info.description or "",
        examples=list(info.examples or []),
    )


def type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        names = [type_name(a) for a in typing.get_args(annotation) if a is not type(None)]
        return " | ".join(names)
    if origin is typing.Literal:
        return "|".join(str(a) for a in typing.get_args(annotation))
    if origin is typing.Annotated:
        return type_name(typing.get_args(annotation)[0])
    if annotation is None:
        return "none"
    return {"str": "text", "int": "integer", "float": "number", "bool": "true|false", "date": "YYYY-MM-DD"}.get(
        getattr(annotation, "__name__", ""), getattr(annotation, "__name__", str(annotation))
    )
