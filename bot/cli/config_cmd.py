"""``briefbot config``: what every setting is and where it came from."""

from __future__ import annotations

import argparse
import json

from bot.app import App


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("config", help="show settings and where each comes from (secrets masked)")
    actions = p.add_subparsers(dest="config_action", metavar="ACTION")
    show = actions.add_parser("show", help="every setting, its value (secrets masked) and its source")
    show.add_argument("--json", action="store_true", help="one JSON object per setting, in a list")
    show.set_defaults(handler=run_show)
    paths = actions.add_parser("paths", help="where briefbot reads and writes files")
    paths.set_defaults(handler=run_paths)
    p.set_defaults(handler=run_show, json=False)


def run_show(args: argparse.Namespace, app: App) -> int:
    from bot.settings import Settings, field_env_names

    loaded = app.loaded
    env_names = field_env_names()
    rows = [
        {
            "name": name,
            "env": env_names[name],
            "value": loaded.display_value(name),
            "source": loaded.origin[name],
            "description": Settings.model_fields[name].description or "",
        }
        for name in Settings.model_fields
    ]
    if args.json:
        app.out(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max(len(r["env"]) for r in rows)
    for r in rows:
        app.out(f"{r['env']:<{width}}  {r['value']:<32}  [{r['source']}]")
    s = loaded.settings
    app.out("")
    app.out(f"backend in use: {s.resolved_backend()} · model: {s.resolved_model()}")
    return 0


def run_paths(args: argparse.Namespace, app: App) -> int:
    paths = app.paths
    for label, path in (
        ("config file", paths.config_file),
        ("user personas", paths.personas_dir),
        ("history database", app.settings.history_db or paths.history_db),
        ("input history", paths.input_history),
        ("model cache", paths.models_dir),
        ("HTTP cache", paths.http_cache_dir),
    ):
        app.out(f"{label:<17} {path}")
    return 0
