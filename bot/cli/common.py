"""Pieces the LLM-using commands (ask, chat, doctor) share: flags, backend, store, persona."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.app import App

if TYPE_CHECKING:
    from bot.llm.backend import ChatBackend
    from bot.store import HistoryStore
    from prompts.personas import Persona


def add_llm_flags(parser: argparse.ArgumentParser, *, persona: bool = True) -> None:
    group = parser.add_argument_group("model")
    group.add_argument("--backend", choices=["auto", "openai", "local"], help="auto (default): openai when a key or base URL is set")
    group.add_argument("--model", help="model name, e.g. gpt-4o-mini")
    group.add_argument("--base-url", dest="base_url", help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1")
    group.add_argument("--timeout", type=float, help="seconds to wait for the endpoint")
    group.add_argument("--max-retries", dest="max_retries", type=int, help="SDK retries on 429/5xx/connection errors")
    group.add_argument("--max-tokens", dest="max_tokens", type=int, help="upper bound on answer length")
    group.add_argument("--temperature", type=float, help="sampling temperature")
    if persona:
        group.add_argument("--persona", help="persona name (see `briefbot chat` then /persona)")
        group.add_argument("--system", help="an extra system message for this conversation")


def apply_llm_flags(args: argparse.Namespace, app: App) -> None:
    app.override(
        backend=getattr(args, "backend", None),
        model=getattr(args, "model", None),
        openai_base_url=getattr(args, "base_url", None),
        timeout=getattr(args, "timeout", None),
        max_retries=getattr(args, "max_retries", None),
        max_tokens=getattr(args, "max_tokens", None),
        temperature=getattr(args, "temperature", None),
        persona=getattr(args, "persona", None),
        system_prompt=getattr(args, "system", None),
    )


def open_backend(app: App) -> ChatBackend:
    from bot.llm.factory import create_backend

    return create_backend(app.settings, app.paths, redactor=app.redactor, progress=app.err)


def open_store(app: App) -> HistoryStore:
    from bot.store import HistoryStore

    return HistoryStore.open(app.settings.history_db or app.paths.history_db, scrub=app.scrub)


def resolve_persona(app: App, name: str | None) -> Persona | None:
    from prompts.personas import load_persona

    return load_persona(name, app.paths.personas_dir) if name else None
