"""The layers import one way: ``connectors`` ← ``prompts`` ← ``bot``.

Every module's imports are read with ``ast`` — module level, function level and under
``TYPE_CHECKING`` alike, because a deferred import is still a dependency — and any import of
a higher layer from a lower one fails the test with the file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# package -> the packages it must never import
FORBIDDEN: dict[str, frozenset[str]] = {
    "connectors": frozenset({"bot", "prompts"}),
    "prompts": frozenset({"bot"}),
}


def imported_packages(source: str) -> Iterator[tuple[int, str]]:
    """(line, top-level package) of every absolute import in ``source``, at any depth.

    A relative import (``from . import x``) cannot leave its own top-level package, so it
    can never cross a layer and is skipped.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            yield node.lineno, node.module.split(".")[0]


def violations(root: Path) -> list[str]:
    found: list[str] = []
    for package, forbidden in FORBIDDEN.items():
        for path in sorted((root / package).rglob("*.py")):
            for line, imported in imported_packages(path.read_text(encoding="utf-8")):
                if imported in forbidden:
                    found.append(f"{path.relative_to(root)}:{line}: {package} imports {imported}")
    return sorted(found)


def test_lower_layers_never_import_higher_ones() -> None:
    assert violations(REPO) == []


def test_the_check_sees_every_kind_of_import(tmp_path: Path) -> None:
    """Module-level, function-level, TYPE_CHECKING and nested-package imports of a higher layer
    are each reported; imports of a lower layer or the standard library are not."""
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "__init__.py").write_text("")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "ok.py").write_text("from connectors.records import Record\nimport json\n")
    (tmp_path / "prompts" / "bad.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from bot.app import App\n"
        "def f() -> None:\n    import bot.errors\n"
    )
    (tmp_path / "connectors").mkdir()
    (tmp_path / "connectors" / "sub").mkdir()
    (tmp_path / "connectors" / "sub" / "deep.py").write_text("import bot\nfrom prompts import packer\nfrom . import x\n")
    assert violations(tmp_path) == [
        "connectors/sub/deep.py:1: connectors imports bot",
        "connectors/sub/deep.py:2: connectors imports prompts",
        "prompts/bad.py:3: prompts imports bot",
        "prompts/bad.py:5: prompts imports bot",
    ]
