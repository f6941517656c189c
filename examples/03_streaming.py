"""Chapter 3 — 스트리밍 응답 (streaming).

With streaming, text arrives piece by piece, like typing. briefbot turns the chunks into typed
events (TextDelta, UsageReported, Finished); we print each delta as it comes. Usage arrives in
the last chunk; where a server sends none it is counted locally and marked estimated.

Run: .venv/bin/python examples/03_streaming.py
"""

from __future__ import annotations

import os
import sys

from bot.llm.events import Finished, StreamEvent, TextDelta
from bot.llm.factory import create_backend
from bot.llm.streaming import stream_reply
from bot.settings import load_settings


def show(event: StreamEvent) -> None:
    if isinstance(event, TextDelta):
        print(event.text, end="", flush=True)  # as it arrives, not at the end
    elif isinstance(event, Finished):
        print(f"\n[finished: {event.reason}]")


def main() -> int:
    loaded = load_settings(os.environ)
    backend = create_backend(
        loaded.settings, loaded.paths, redactor=loaded.settings.redactor(), progress=lambda m: print(m, file=sys.stderr)
    )
    messages = [{"role": "user", "content": "Write one sentence about the weather in Seoul in spring."}]
    try:
        outcome = stream_reply(backend, messages, max_tokens=40, temperature=0, on_event=show)
    finally:
        backend.close()

    reply = outcome.reply
    print(f"status : {reply.status} ({len(reply.text)} characters)")
    if outcome.error is not None:  # a stream that broke off keeps its partial text
        print(f"error  : {type(outcome.error).__name__}: {outcome.error}")
    if reply.usage is not None:
        note = " (estimated)" if reply.usage.estimated else ""
        print(f"usage  : prompt={reply.usage.prompt_tokens} completion={reply.usage.completion_tokens}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
