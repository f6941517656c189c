"""Tool specs: how a model (OpenAI tool calling now, an MCP server later) asks for a
connector's data. The spec is neutral — name, description, JSON Schema of the params — and
one adapter per protocol turns it into that protocol's shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolSpec:
    name: str  # "fetch_weather"
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)  # JSON Schema of the params object


def openai_tool(spec: ToolSpec) -> dict[str, Any]:
    """The Chat Completions ``tools`` entry for ``spec``."""
    return {
        "type": "function",
        "function": {"name": spec.name, "description": spec.description, "parameters": spec.parameters},
    }
