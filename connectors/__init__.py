"""Connectors: typed access to public weather and finance APIs.

The curated public API, importable from here (loaded lazily, so importing
``connectors.records`` stays cheap and ``briefbot --help`` fast)::

    from connectors import ConnectorRuntime, fetch_many, FetchFailure

    with ConnectorRuntime(settings, cache_dir=paths.http_cache_dir, env=env) as runtime:
        one = runtime.fetch("weather", {"place": "서울"})            # FetchResult, or raises
        many = fetch_many(runtime, [("fx", {"base": "USD", "symbols": "KRW"}),
                                    ("crypto", {"market": "KRW-BTC"})])  # results/failures, in order

The package imports nothing from ``bot`` or ``prompts``: the error root, redaction, the version
and :class:`ConnectorSettings` (what a connector may see of the settings) live here.

Writing a connector: subclass :class:`Connector` (see ``connectors.base``) and test it with
:class:`connectors.testing.ConnectorContract`; ``briefbot connectors new NAME`` scaffolds both.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS: dict[str, str] = {
    "ConnectorRuntime": "connectors.runtime",
    "FetchResult": "connectors.runtime",
    "fetch_many": "connectors.concurrent",
    "FetchFailure": "connectors.concurrent",
    "Connector": "connectors.base",
    "ConnectorParams": "connectors.base",
    "ConnectorContext": "connectors.base",
    "ConnectorRegistry": "connectors.registry",
    "ConnectorSettings": "connectors.settings",
    "ToolSpec": "connectors.tools",
    "openai_tool": "connectors.tools",
    "BriefbotError": "connectors.errors",
    "ConnectorError": "connectors.errors",
    "Record": "connectors.records",
    "Observation": "connectors.records",
    "Series": "connectors.records",
    "SeriesPoint": "connectors.records",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'connectors' has no attribute {name!r}")
    return getattr(import_module(module), name)
