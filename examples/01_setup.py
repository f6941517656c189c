"""Chapter 1 — OpenAI API 소개 및 환경 설정 (setup and key security).

The tutorial keeps the key out of the code: `OPENAI_API_KEY=...` in a `.env` file, loaded
with python-dotenv. briefbot does the same, in layers (flags > environment > .env >
config.toml > defaults), and remembers where each value came from. This script shows what
briefbot would use, and the key only in masked form: the whole key is never printed.

Run: .venv/bin/python examples/01_setup.py
"""

from __future__ import annotations

import os
import sys

from bot.errors import BriefbotError
from bot.settings import check_key_format, load_settings


def main() -> int:
    # Settings are read from an environment we pass in, never from import-time globals.
    loaded = load_settings(os.environ)
    settings = loaded.settings

    print(f"backend : {settings.resolved_backend()}  (setting: {settings.backend}, from {loaded.origin['backend']})")
    print(f"model   : {settings.resolved_model()}")
    # display_value() masks secrets (e.g. sk-proj-…abcd); never print get_secret_value().
    print(f"API key : {loaded.display_value('openai_api_key')}  (from {loaded.origin['openai_api_key']})")

    # Where did .env come from? Every value read from it carries ".env (<path>)" as its origin.
    dotenv_files = sorted({o for o in loaded.origin.values() if o.startswith(".env (")})
    if dotenv_files:
        print("dotenv  : " + ", ".join(o[len(".env (") : -1] for o in dotenv_files))
    elif os.environ.get("BRIEFBOT_NO_DOTENV"):
        print("dotenv  : not searched (BRIEFBOT_NO_DOTENV is set)")
    else:
        print("dotenv  : no .env found from the working directory upward (or it sets nothing)")
    print(f"config  : {loaded.paths.config_file}")

    # A key that cannot work (spaces, quotes, the tutorial's placeholder) is caught here,
    # before any network call.
    try:
        check_key_format(settings)
        print("key check: ok" if settings.openai_api_key else "key check: no key (the embedded model needs none)")
    except BriefbotError as exc:
        print(f"key check: {type(exc).__name__} (exit code {exc.exit_code}): {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
