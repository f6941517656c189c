"""``briefbot connectors list | show NAME | new NAME``: what data sources briefbot has.

``list`` shows every connector (built-in and plugins), whether it needs a key and whether
it is configured; ``show`` its parameters with types and examples; ``new`` scaffolds a
connector module and its contract test in the current directory.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from bot.app import App
from bot.errors import UsageError


def register(sub: Any) -> None:  # argparse._SubParsersAction; private type
    parser = sub.add_parser(
        "connectors",
        help="list, inspect or scaffold data-source connectors",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="every connector: name, description, key, configured")
    show = actions.add_parser("show", help="one connector's parameters, with types and examples")
    show.add_argument("name", metavar="NAME")
    new = actions.add_parser("new", help="scaffold NAME_connector.py and its test in the current directory")
    new.add_argument("name", metavar="NAME")
    new.add_argument("--dir", type=Path, help="write there instead of the current directory")
    new.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, app: App) -> int:
    from connectors.registry import ConnectorRegistry  # deferred: imports pydantic models

    registry = ConnectorRegistry.default()
    action = getattr(args, "action", None)
    if action == "list":
        return _list(app, registry)
    if action == "show":
        return _show(app, registry, args.name)
    if action == "new":
        from connectors.scaffold import scaffold

        directory = app.cwd / args.dir if args.dir else app.cwd  # relative to where the user is
        written = scaffold(args.name, directory, taken=frozenset(registry.names()), force=bool(args.force))
        for path in written:
            app.out(f"wrote {path}")
        module = written[0].stem
        app.out("")
        # The command is printed as it runs from here, with --dir too (the README quotes it).
        test_path = os.path.relpath(written[1], app.cwd)
        app.out(f"next: edit {os.path.relpath(written[0], app.cwd)} for your API, then run: python -m pytest {test_path}")
        app.out('register it from your package\'s pyproject.toml:  [project.entry-points."briefbot.connectors"]')
        cls = "".join(part.capitalize() for part in args.name.split("_"))
        app.out(f'                                              {args.name} = "{module}:{cls}Connector"')
        return 0
    raise UsageError("say what to do: briefbot connectors list | show NAME | new NAME")


def _list(app: App, registry: Any) -> int:
    rows = [["NAME", "KEY", "CONFIGURED", "DESCRIPTION"]]
    for name in registry.names():
        cls = registry.get(name)
        settings = app.settings.connector_settings(cls.key_settings, app.env)
        origin = registry.origins.get(name, "")
        described = cls.description + ("" if origin == "built-in" else f" [{origin}]")
        rows.append([name, cls.key_status(settings), "yes" if cls.is_configured(settings) else "no", described])
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        app.out("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3])
    for name, why in sorted(registry.broken.items()):
        app.err(f"warning: connector {name!r} not loaded: {why}")
    return 0


def _show(app: App, registry: Any, name: str) -> int:
    cls = registry.get(name)
    from bot.settings import field_env_names  # deferred: pydantic costs `briefbot --help` ~200 ms

    settings, env_names = app.settings, field_env_names()
    app.out(f"{cls.name}: {cls.description}")
    app.out(f"source: {cls.source}   ({registry.origins.get(name, '?')})")
    for setting in cls.base_url_settings:
        app.out(f"base URL: {getattr(settings, setting)}   (set with {env_names.get(setting, setting)})")
    app.out(f"key: {cls.key_status(settings.connector_settings(cls.key_settings, app.env))}")
    app.out(f"fresh for: {cls.ttl_seconds:g} s; stale copy used for up to {cls.stale_max_seconds / 3600:g} h when the source fails")
    app.out(f"records: {', '.join(_kind(t) for t in cls.record_types)}")
    app.out("")
    app.out("parameters:")
    params = cls.params_table()
    width = max((len(p.name) for p in params), default=0)
    type_width = max((len(p.type) for p in params), default=0)
    for p in params:
        default = "required" if p.required else ("optional" if p.default is None else f"default {p.default}")
        examples = ", ".join(str(e) for e in p.examples)
        app.out(f"  {p.name.ljust(width)}  {p.type.ljust(type_width)}  {default:<16}  {p.description}"
                + (f" (e.g. {examples})" if examples else ""))
    if cls.examples:
        app.out("")
        app.out("examples:")
        for example in cls.examples:
            app.out(f"  briefbot fetch {cls.name} {example}")
    return 0


def _kind(record_type: Any) -> str:
    field = record_type.model_fields.get("kind")
    return str(field.default) if field is not None and field.default else record_type.__name__
