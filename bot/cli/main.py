"""``briefbot`` entry point: argument parsing, dispatch, and the one place errors become exits.

Each command group lives in its own module under ``bot.cli`` and exposes::

    def register(sub: argparse._SubParsersAction) -> None   # adds its parser(s), set_defaults(handler=run)
    def run(args: argparse.Namespace, app: App) -> int

Command modules import nothing heavy at module level (openai, llama_cpp, tiktoken, requests),
so ``briefbot --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from bot import __version__
from bot.app import App
from bot.errors import EXIT_INTERRUPTED, BriefbotError
from bot.logs import command_logging

# One line per command group; the order is the order `briefbot --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "bot.cli.ask_cmd",
    "bot.cli.chat_cmd",
    "bot.cli.config_cmd",
    "bot.cli.context_cmd",
    "bot.cli.fetch_cmd",
    "bot.cli.connectors_cmd",
    "bot.cli.doctor_cmd",
    "bot.cli.history_cmd",
    "bot.cli.usage_cmd",
    "bot.cli.tokens_cmd",
    "bot.cli.brief_cmd",
)

EPILOG = """\
examples:
  briefbot chat                      interactive chat (embedded model when no key is set)
  briefbot ask "서울 날씨 어때?"        one question, answered from live data
  briefbot config show               every setting and where it came from
  briefbot doctor                    check keys, endpoint and model

exit codes are listed in the README (2 usage, 3-4 configuration, 10-20 LLM, 30 data source,
40 budget, 50 history, 60-63 briefs, 130 interrupted)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot",
        description="Answers questions about live weather and finance data with an LLM, citing source and time.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"briefbot {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs (secrets still masked)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None, app: App | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if app is None:
        app = App(os.environ, debug=args.debug)
    else:
        app.debug = app.debug or args.debug
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(app.stdout)
        return 0
    try:
        # Library loggers (urllib3 prints request URLs, query keys included) write through the
        # app's redactor like every other line; --debug opens them down to DEBUG.
        with command_logging(debug=app.debug, stream=app.stderr, scrub=app.scrub):
            return int(handler(args, app) or 0)
    except BriefbotError as exc:
        if app.debug:
            app.err(traceback.format_exc())
        app.err(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        app.err("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `briefbot ... | head`: the reader left; nothing useful to say.
        _silence_stdout()
        return 0
    except Exception as exc:  # noqa: BLE001 - the last net: a clear line instead of a traceback
        if app.debug:
            app.err(traceback.format_exc())
        app.err(f"error: unexpected {type(exc).__name__}: {exc}")
        app.err("  → this is a bug in briefbot; run again with --debug to see the traceback")
        return 1


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def entrypoint() -> None:
    sys.exit(main())
