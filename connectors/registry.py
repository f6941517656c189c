"""Which connectors exist: the built-ins plus third-party ones from entry points.

A separate package registers a connector with::

    [project.entry-points."briefbot.connectors"]
    demo = "demo_connector:DemoConnector"

Plugins are loaded lazily (only when the registry is first asked) and a plugin that fails
to import is reported, not fatal: one broken add-on must not take `briefbot fetch weather`
down with it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from connectors.base import Connector
from connectors.errors import UnknownConnector

ENTRY_POINT_GROUP = "briefbot.connectors"

BUILTIN_CONNECTORS: tuple[str, ...] = (
    "connectors.weather:WeatherConnector",
    "connectors.air:AirQualityConnector",
    "connectors.fx:FxConnector",
    "connectors.crypto:CryptoConnector",
    "connectors.stocks:StocksConnector",
)

ConnectorClass = type[Connector[Any]]


def load_object(spec: str) -> Any:
    module_name, _, attr = spec.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj


@dataclass
class ConnectorRegistry:
    connectors: dict[str, ConnectorClass] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # name -> "built-in" or "plugin (dist)"
    broken: dict[str, str] = field(default_factory=dict)  # entry-point name -> why it failed

    @classmethod
    def default(cls, *, plugins: bool = True) -> ConnectorRegistry:
        registry = cls()
        for spec in BUILTIN_CONNECTORS:
            registry.add(load_object(spec), origin="built-in")
        if plugins:
            registry.load_entry_points()
        return registry

    def plugins(self) -> list[ConnectorClass]:
        """The connectors that are not built in, by name."""
        return [self.connectors[n] for n in self.names() if self.origins.get(n) != "built-in"]

    def add(self, connector: ConnectorClass, *, origin: str = "added") -> None:
        if not (isinstance(connector, type) and issubclass(connector, Connector)):
            raise TypeError(f"{connector!r} is not a Connector subclass")
        if connector.name in self.connectors and self.origins.get(connector.name) == "built-in" and origin != "built-in":
            # A plugin cannot silently replace a built-in: the CLI contract names those.
            self.broken[connector.name] = f"{origin}: name clashes with the built-in connector"
            return
        self.connectors[connector.name] = connector
        self.origins[connector.name] = origin

    def load_entry_points(self) -> None:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = getattr(getattr(ep, "dist", None), "name", None) or "?"
            try:
                self.add(ep.load(), origin=f"plugin ({dist})")
            except Exception as exc:  # noqa: BLE001 - any import failure of a plugin is reported
                self.broken[ep.name] = f"plugin ({dist}): {type(exc).__name__}: {exc}"

    def get(self, name: str) -> ConnectorClass:
        try:
            return self.connectors[name]
        except KeyError:
            raise UnknownConnector(
                f"no connector named {name!r}",
                hint="available: " + ", ".join(sorted(self.connectors)) + " (`briefbot connectors list`)",
            ) from None

    def names(self) -> list[str]:
        return sorted(self.connectors)
