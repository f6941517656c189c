"""``briefbot tokens [--model M] [--json] TEXT|FILE|-``: exact offline token count and input cost.

The argument is read as a file when it names an existing file, as standard input when it is
``-``, and as the text itself otherwise. ``--json`` prints exactly
``{"model", "encoding", "tokens", "estimated_cost_usd"}``: the cost of those tokens sent as
input, ``null`` when the model has no known price, ``0`` on the local backend.

Which backend prices the tokens: without ``--model``, the configured backend and model (the
embedded model, free, when no key is set). With ``--model M``, M is priced from the price
table, because the user is asking what M would cost, unless the backend is explicitly
``local`` or M is the embedded model.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.app import App
from bot.errors import UsageError


def register(sub: Any) -> None:  # argparse._SubParsersAction; private type
    parser = sub.add_parser(
        "tokens",
        help="count tokens exactly (offline) and estimate their input cost",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument("source", metavar="TEXT|FILE|-", help="text to count, a file to count, or - for stdin")
    parser.add_argument("--model", "-m", help="model whose tokenizer and price to use (default: the configured model)")
    parser.add_argument("--json", dest="as_json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, app: App) -> int:
    from bot.pricing import PriceTable, format_usd  # light, but keeps this module's import minimal
    from bot.settings import DEFAULT_LOCAL_MODEL
    from bot.tokens import count_text, encoding_name_for_model

    text, described = _read_source(args.source, app)
    settings = app.settings
    if args.model:
        model = str(args.model)
        backend = "local" if settings.backend == "local" or model == DEFAULT_LOCAL_MODEL else "openai"
    else:
        model = settings.resolved_model()
        backend = settings.resolved_backend()

    encoding, exact = encoding_name_for_model(model)
    tokens = count_text(text, model)
    table = PriceTable.load(_resolve(settings.price_table, app))
    estimate = table.estimate(model, tokens, 0, backend)

    if args.as_json:
        payload = {"model": model, "encoding": encoding, "tokens": tokens, "estimated_cost_usd": estimate.usd}
        app.out(json.dumps(payload, ensure_ascii=False))
        return 0

    app.out(f"{tokens:,} tokens  ({described})")
    note = "" if exact else f"  (approximate: {model} is not an OpenAI model with a known tokenizer)"
    app.out(f"model:    {model}\nencoding: {encoding}{note}")
    if backend == "local":
        cost = "$0 (local model)"
    elif estimate.price is None:
        cost = f"unknown (no price for {model} in the price table; add one with BRIEFBOT_PRICE_TABLE)"
    else:
        price = estimate.price
        cost = f"{format_usd(estimate.usd)} as input  (${price.input_per_mtok:g} per 1M input tokens, {price.origin})"
    app.out(f"cost:     {cost}")
    return 0


def _read_source(source: str, app: App) -> tuple[str, str]:
    """(text, how it was read) for the TEXT|FILE|- argument."""
    if source == "-":
        try:
            text = app.stdin.read()
        except UnicodeDecodeError as exc:
            raise UsageError(f"standard input is not valid text: {exc}", hint="pipe UTF-8 text") from None
        return text, f"stdin, {len(text):,} characters"
    path = _as_existing_path(source, app)
    if path is None:
        return source, f"text, {len(source):,} characters"
    if path.is_dir():
        raise UsageError(f"{source} is a directory", hint="name a file, pass the text itself, or - for stdin")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{source} is not UTF-8 text", hint="convert it to UTF-8 first") from None
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
    return text, f"file {source}, {len(text):,} characters"


def _as_existing_path(source: str, app: App) -> Path | None:
    if not source or "\n" in source:  # "" would be the current directory; text with newlines is text
        return None
    path = Path(source).expanduser()
    if not path.is_absolute():
        path = app.cwd / path
    try:
        return path if path.exists() else None
    except (OSError, ValueError):  # too long for a file name, or a NUL byte: it is text
        return None


def _resolve(path: Path | None, app: App) -> Path | None:
    if path is None:
        return None
    path = path.expanduser()
    return path if path.is_absolute() else app.cwd / path
