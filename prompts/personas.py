"""System prompts and personas.

A persona is a Markdown file with a small front matter (``name``, ``description``) and the
instruction text as body. Built-ins live in ``prompts/personas/``; users add their own as
``<config dir>/personas/NAME.md``, which win over a built-in of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from connectors.errors import UsageError

DEFAULT_PERSONA = None  # no persona: the default system prompt alone


@dataclass(frozen=True)
class Persona:
    name: str
    description: str
    instructions: str
    origin: str  # "built-in" or the file path


def default_system_prompt() -> str:
    return files("prompts").joinpath("system.md").read_text(encoding="utf-8").strip()


def parse_persona(text: str, *, fallback_name: str, origin: str) -> Persona:
    meta: dict[str, str] = {}
    body = text
    if text.startswith("---"):
        head, sep, rest = text[3:].partition("\n---")
        if sep:
            body = rest
            for line in head.strip().splitlines():
                key, _, value = line.partition(":")
                if key.strip():
                    meta[key.strip().lower()] = value.strip()
    return Persona(
        name=meta.get("name", fallback_name),
        description=meta.get("description", ""),
        instructions=body.strip(),
        origin=origin,
    )


def available_personas(user_dir: Path | None) -> dict[str, Persona]:
    found: dict[str, Persona] = {}
    for entry in files("prompts").joinpath("personas").iterdir():
        if entry.name.endswith(".md"):
            stem = entry.name[:-3]
            found[stem] = parse_persona(entry.read_text(encoding="utf-8"), fallback_name=stem, origin="built-in")
    if user_dir is not None and user_dir.is_dir():
        for path in sorted(user_dir.glob("*.md")):
            found[path.stem] = parse_persona(path.read_text(encoding="utf-8"), fallback_name=path.stem, origin=str(path))
    return found


def load_persona(name: str, user_dir: Path | None) -> Persona:
    personas = available_personas(user_dir)
    if name not in personas:
        raise UsageError(
            f"unknown persona {name!r}",
            hint=f"available: {', '.join(sorted(personas))}; add your own as {user_dir or '<config dir>/personas'}/{name}.md",
        )
    return personas[name]


def system_messages(persona: Persona | None, extra_system: str | None) -> list[dict[str, str]]:
    """The system messages a conversation starts with: default prompt, persona, user rule."""
    text = default_system_prompt()
    if persona is not None and persona.instructions:
        text += "\n\n" + persona.instructions
    messages = [{"role": "system", "content": text}]
    if extra_system:
        messages.append({"role": "system", "content": extra_system.strip()})
    return messages
