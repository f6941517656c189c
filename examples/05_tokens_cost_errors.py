"""Chapter 5 — 고급 활용법: 토큰 최적화, 비용 절감, 에러 처리 (tokens, cost, errors).

1. Count tokens exactly (tiktoken encodings, offline) and see what a shorter prompt saves.
2. Price a real call from its usage: the embedded model costs 0; the same tokens on
   gpt-4o-mini cost what the dated price table says.
3. Handle errors: every failure is a BriefbotError subclass with a message, a hint and an
   exit code. We provoke one by pointing a backend at a port where nothing listens.

Run: .venv/bin/python examples/05_tokens_cost_errors.py
"""

from __future__ import annotations

import os
import sys

from bot.errors import BriefbotError
from bot.llm.factory import create_backend
from bot.pricing import estimate_cost
from bot.settings import LoadedSettings, load_settings
from bot.tokens import count_messages, count_text

VERBOSE = "You are a very helpful, friendly and knowledgeable assistant. Please always answer as well as you can."
CONCISE = "Answer briefly."
# Nothing listens on 127.0.0.1:9 (the discard port); with no retries the call fails at once.
UNREACHABLE = {"backend": "openai", "openai_base_url": "http://127.0.0.1:9/v1", "max_retries": 0, "timeout": 5}


def ask(loaded: LoadedSettings, question: str) -> tuple[str, str, int, int]:
    """One short call; returns (backend name, model, prompt tokens, completion tokens)."""
    s = loaded.settings
    backend = create_backend(s, loaded.paths, redactor=s.redactor(), progress=lambda m: print(m, file=sys.stderr))
    try:
        usage = backend.complete([{"role": "user", "content": question}], max_tokens=16, temperature=0).usage
    finally:
        backend.close()
    return backend.name, backend.model, usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0


def main() -> int:
    for label, system in (("verbose", VERBOSE), ("concise", CONCISE)):
        messages = [{"role": "system", "content": system}, {"role": "user", "content": "Is it raining in Seoul?"}]
        whole = count_messages(messages, "gpt-4o-mini")
        print(f"{label:<8} system prompt: {count_text(system, 'gpt-4o-mini'):>3} tokens, whole request {whole} tokens")

    name, model, p, c = ask(load_settings(os.environ), "Say hello.")
    print(f"usage: prompt={p} completion={c}")
    print(f"cost on this backend ({name}, {model}): {estimate_cost(model, p, c, name).display()}")
    print(f"the same tokens on gpt-4o-mini: {estimate_cost('gpt-4o-mini', p, c, 'openai').display()}")

    try:
        ask(load_settings(os.environ, overrides=UNREACHABLE), "hi")
    except BriefbotError as exc:  # the one base class to catch; its message never contains a key
        print(f"caught {type(exc).__name__} (exit code {exc.exit_code}): {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
