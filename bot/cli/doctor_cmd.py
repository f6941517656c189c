"""``briefbot doctor``: check configuration, reach the LLM, say what works and what to do next."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from bot.app import App
from bot.cli.common import add_llm_flags, apply_llm_flags
from bot.errors import BriefbotError


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    exit_code: int = 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("doctor", help="check settings, key, LLM endpoint or embedded model, and history")
    p.add_argument("--offline", action="store_true", help="skip the call to the LLM endpoint")
    add_llm_flags(p, persona=False)
    p.set_defaults(handler=run)


def _attempt(name: str, fn: Callable[[], str]) -> Check:
    try:
        return Check(name, True, fn())
    except BriefbotError as exc:
        return Check(name, False, str(exc), exc.exit_code)


def run(args: argparse.Namespace, app: App) -> int:
    apply_llm_flags(args, app)
    checks: list[Check] = []

    config = _attempt("settings", lambda: f"loaded; backend {app.settings.resolved_backend()}, model {app.settings.resolved_model()}")
    checks.append(config)
    if config.ok:
        from bot.settings import check_key_format

        def key() -> str:
            s = app.settings
            if s.openai_api_key is None:
                return "no OPENAI_API_KEY (fine: the embedded model needs none)"
            check_key_format(s)
            return f"OPENAI_API_KEY {app.loaded.display_value('openai_api_key')} from {app.loaded.origin['openai_api_key']}"

        checks.append(_attempt("API key", key))
        if not args.offline:
            checks.append(_attempt("LLM", lambda: _probe_llm(app)))
        checks.append(_attempt("history", lambda: _probe_history(app)))

    for c in checks:
        mark = "ok  " if c.ok else "FAIL"
        app.out(f"[{mark}] {c.name:<9} {c.detail}")
    failed = [c for c in checks if not c.ok]
    if failed:
        app.out("")
        app.out("Fix the first FAIL above (the → line says how), then run `briefbot doctor` again.")
        return failed[0].exit_code
    app.out("")
    app.out('All good. Try: briefbot ask "서울 날씨 어때?"  or  briefbot chat')
    return 0


def _probe_llm(app: App) -> str:
    import time

    from bot.cli.common import open_backend

    if app.settings.resolved_backend() == "local":
        return _probe_embedded(app)

    backend = open_backend(app)
    try:
        started = time.perf_counter()
        completion = backend.complete([{"role": "user", "content": "Say OK."}], max_tokens=4, temperature=0)
        elapsed = time.perf_counter() - started
        return f"{backend.describe()} answered in {elapsed:.2f} s (model {completion.model})"
    finally:
        backend.close()


def _probe_embedded(app: App) -> str:
    """Generate in a child process: a llama.cpp built for another CPU dies by a signal there."""
    from bot.errors import EmbeddedModelError
    from bot.llm.model_file import resolve_model_path
    from bot.llm.probe import REBUILD_HINT, cpu_features, probe_embedded_model

    s = app.settings
    path = resolve_model_path(s.local_model_path, app.paths.models_dir, lambda line: app.err(line))
    result = probe_embedded_model(path, n_ctx=s.local_context, n_threads=s.local_threads)
    if not result.ok:
        hint = REBUILD_HINT if result.signal_name else "check BRIEFBOT_LOCAL_MODEL_PATH, or run `make install` again"
        raise EmbeddedModelError(result.detail, hint=hint)
    features = ", ".join(cpu_features(result.system_info)) or "none reported"
    return f"embedded llama.cpp · {path.name}: {result.detail}; CPU features in use: {features}"


def _probe_history(app: App) -> str:
    from bot.cli.common import open_store

    path = app.settings.history_db or app.paths.history_db
    with open_store(app) as store:
        count = len(store.conversations(limit=1000))
    return f"{path} ({count} conversations)"
