"""Choosing and building the backend the settings ask for."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.llm.backend import ChatBackend

if TYPE_CHECKING:
    from bot.paths import AppPaths
    from bot.redact import Redactor
    from bot.settings import Settings


def create_backend(
    settings: Settings,
    paths: AppPaths,
    *,
    redactor: Redactor,
    progress: Callable[[str], None],
) -> ChatBackend:
    """``openai`` when a key or base URL is configured (or forced), else the embedded model."""
    from bot.settings import check_key_format

    check_key_format(settings)
    model = settings.resolved_model()
    if settings.resolved_backend() == "openai":
        from bot.llm.openai_backend import OpenAIBackend

        return OpenAIBackend(settings, redactor=redactor, model=model)

    from bot.llm.local_backend import LocalBackend
    from bot.llm.model_file import resolve_model_path

    path = resolve_model_path(settings.local_model_path, paths.models_dir, progress)
    if settings.model is None and settings.local_model_path is not None:
        model = path.stem  # name a user-supplied GGUF after its file, not after Gemma
    return LocalBackend(path, model_name=model, n_ctx=settings.local_context, n_threads=settings.local_threads)
