"""A brief's data sources: the same ``connector name=value ...`` words ``briefbot fetch`` takes.

Each source is parsed with the fetch command's own pair parser and validated against the
connector's params model from the registry, so a brief cannot ask for something ``fetch``
would refuse, and the refusal reads the same.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.errors import BriefbotError

if TYPE_CHECKING:
    from connectors.registry import ConnectorRegistry


@dataclass(frozen=True)
class BriefSource:
    connector: str
    params: dict[str, str]

    def as_cli(self) -> str:
        return " ".join([self.connector, *(f"{k}={v}" for k, v in self.params.items())])


class SourceProblem(ValueError):
    """What is wrong with one source string, and the fix (becomes a BriefDefinitionError)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def parse_source(text: str, registry: ConnectorRegistry) -> BriefSource:
    from bot.cli.fetch_cmd import parse_pairs

    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise SourceProblem(f"{text!r} cannot be split into words ({exc})", 'close the quote, e.g. "weather place=\'New York\'"') from None
    if not words:
        raise SourceProblem("a source is empty", 'write it like `briefbot fetch` takes it, e.g. "weather place=Seoul"')
    name, pairs = words[0], words[1:]
    try:
        params = parse_pairs(pairs)
        connector = registry.get(name)
        connector.parse_params(params)
    except BriefbotError as exc:
        raise SourceProblem(exc.message, exc.hint) from None
    return BriefSource(connector=name, params=params)
