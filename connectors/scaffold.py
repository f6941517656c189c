"""`briefbot connectors new NAME`: a connector module and its contract test from templates."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from string import Template

from connectors.errors import UsageError

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


def scaffold(name: str, directory: Path, *, taken: frozenset[str] = frozenset(), force: bool = False) -> list[Path]:
    """Write ``<name>_connector.py`` and ``test_<name>_connector.py`` into ``directory``."""
    if not _NAME.match(name):
        raise UsageError(
            f"connector name {name!r} is not a lower-case word (letters, digits, _; 2-31 characters)",
            hint="e.g. briefbot connectors new tides",
        )
    if name in taken:
        raise UsageError(f"a connector named {name!r} already exists", hint="pick another name")
    module = f"{name}_connector"
    values = {
        "name": name,
        "module": module,
        "cls": "".join(part.capitalize() for part in name.split("_")),
        "env": name.upper(),
    }
    targets = {
        directory / f"{module}.py": "connector.py.tmpl",
        directory / f"test_{module}.py": "test_connector.py.tmpl",
    }
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        raise UsageError(
            "will not overwrite " + ", ".join(str(p) for p in existing),
            hint="move them away, or pass --force",
        )
    templates = files("connectors") / "templates"
    directory.mkdir(parents=True, exist_ok=True)
    for target, template in targets.items():
        text = Template((templates / template).read_text(encoding="utf-8")).substitute(values)
        target.write_text(text, encoding="utf-8")
    return list(targets)
