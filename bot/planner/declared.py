"""Planning third-party connectors from what they declare.

The rules planner knows the built-ins' vocabulary (places, companies, coins, currencies). A
connector installed from another package declares ``keywords`` instead; a question containing
one gets a step for it, with the params of its first example (or its defaults). Loading the
entry points costs a metadata scan, so the caller may pass the connectors it already has.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

from bot.planner.matching import any_word
from bot.planner.plan import PlanStep
from connectors.base import Connector


def installed_plugins() -> list[type[Connector[Any]]]:
    """Connectors registered by other packages (entry points), built-ins excluded."""
    from connectors.registry import ConnectorRegistry  # deferred: it imports requests; keeps --help fast

    return ConnectorRegistry.default().plugins()


def declared_steps(text: str, connectors: Sequence[type[Connector[Any]]]) -> list[PlanStep]:
    """A step per connector one of whose declared keywords the question contains."""
    steps: list[PlanStep] = []
    for cls in connectors:
        matched = next((word for word in cls.keywords if any_word(text, text.lower(), (word.lower(),))), None)
        if matched is not None:
            steps.append(PlanStep(cls.name, example_params(cls), f"declared keyword '{matched}' of {cls.name}"))
    return steps


def example_params(cls: type[Connector[Any]]) -> dict[str, str]:
    """The params of the connector's first example ("place=서울 days=3"), else none."""
    if not cls.examples:
        return {}
    pairs = (token.partition("=") for token in shlex.split(cls.examples[0]))
    return {name: value for name, sep, value in pairs if sep}
