"""Chapter 2 — 기본적인 Chat Completions API 사용법 (a basic, non-streaming call).

A list of role/content messages goes in, one assistant message comes out. With no key this
runs on the embedded model; with OPENAI_API_KEY set, the same code calls OpenAI. Either way
the answer is the openai SDK's own `ChatCompletion` type.

Run: .venv/bin/python examples/02_basic_call.py
"""

from __future__ import annotations

import os
import sys

from bot.llm.factory import create_backend
from bot.settings import load_settings


def main() -> int:
    loaded = load_settings(os.environ)
    backend = create_backend(
        loaded.settings, loaded.paths, redactor=loaded.settings.redactor(), progress=lambda m: print(m, file=sys.stderr)
    )
    messages = [
        {"role": "system", "content": "You are a helpful assistant. Answer in one short sentence."},
        {"role": "user", "content": "What is the capital of South Korea?"},
    ]
    try:
        # A small max_tokens keeps the answer (and the bill) short.
        completion = backend.complete(messages, max_tokens=24, temperature=0)
    finally:
        backend.close()

    print(f"backend: {backend.describe()}")
    print(f"answer : {completion.choices[0].message.content!r}")
    print(f"finish : {completion.choices[0].finish_reason}")
    usage = completion.usage
    if usage is not None:
        print(f"usage  : prompt={usage.prompt_tokens} completion={usage.completion_tokens} total={usage.total_tokens}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
