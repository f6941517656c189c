"""Chapter 4 — 시스템 메시지 활용 (system messages).

A system message sets the rules for the whole conversation: here the built-in persona
`korean-polite` ("반말로 대답하지 마세요"). The tutorial also shows that a new system message
can be added in the middle of a conversation; it holds from then on.

Run: .venv/bin/python examples/04_system_messages.py
"""

from __future__ import annotations

import os
import sys

from bot.llm.factory import create_backend
from bot.llm.streaming import complete_reply
from bot.settings import load_settings
from prompts.personas import load_persona, system_messages


def main() -> int:
    loaded = load_settings(os.environ)
    persona = load_persona("korean-polite", loaded.paths.personas_dir)  # a user file of that name would win
    print(f"persona: {persona.name} — {persona.description}")

    # The conversation starts with the default system prompt plus the persona's instructions.
    messages = system_messages(persona, None)
    backend = create_backend(
        loaded.settings, loaded.paths, redactor=loaded.settings.redactor(), progress=lambda m: print(m, file=sys.stderr)
    )
    try:
        for turn, question in enumerate(["서울은 어떤 도시인가요?", "부산은요?"], start=1):
            if turn == 2:
                # A rule added mid-conversation, as in the tutorial; earlier rules still apply.
                rule = "모든 응답에 이모티콘 하나를 포함하세요."
                messages.append({"role": "system", "content": rule})
                print(f"\n[system, added mid-conversation] {rule}")
            messages.append({"role": "user", "content": question})
            reply = complete_reply(backend, messages, max_tokens=32, temperature=0.7)
            messages.append({"role": "assistant", "content": reply.text})
            print(f"\nuser      : {question}\nassistant : {reply.text!r}")
    finally:
        backend.close()

    print("\nroles sent on the last turn: " + ", ".join(m["role"] for m in messages[:-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
