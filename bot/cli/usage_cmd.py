"""``briefbot usage [--by day|model] [--since YYYY-MM-DD] [--json]``: the token and cost ledger.

Unknown costs are shown as unknown, never as $0; token counts made locally (the server sent
no usage) carry a ``~``.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.app import App
from bot.cli.history_cmd import display_zone, history_path

if TYPE_CHECKING:
    from bot.store import UsageRow


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d")  # a day in the user's zone: made aware in run()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "usage",
        help="tokens and cost spent, per day or per model",
        description="The usage ledger: every LLM call's tokens and cost. Days are days in BRIEFBOT_TIMEZONE"
        " (default: the system zone).",
    )
    parser.add_argument("--by", choices=("day", "model"), default="day", help="group by local day (default) or model")
    parser.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="only calls from this local day on")
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, app: App) -> int:
    from bot.store import HistoryStore

    zone = display_zone(app)
    since = zone.start_of_day(args.since) if args.since else None
    with HistoryStore.open(history_path(app)) as store:
        rows = store.usage_summary(by=args.by, since=since, day_of=zone.day)
    if args.json:
        app.out(json.dumps([_as_json(args.by, row) for row in rows], ensure_ascii=False, indent=2))
    elif not rows:
        app.out("no usage recorded yet" + (" in that period" if args.since else ""))
    else:
        _table(app, args.by, rows)
        if args.by == "day":
            app.out(f"days in {zone.describe()}")
    return 0


def _as_json(by: str, row: UsageRow) -> dict[str, Any]:
    return {
        by: row.key,
        "calls": row.calls,
        "prompt_tokens": row.prompt_tokens,
        "completion_tokens": row.completion_tokens,
        "cost_usd": row.cost_usd,
        "unknown_cost_calls": row.unknown_cost_calls,
        "estimated_calls": row.estimated_calls,
    }


def _tokens(count: int, estimated: bool) -> str:
    return ("~" if estimated else "") + f"{count:,}"


def _cost(cost: float | None, unknown: int, calls: int) -> str:
    if cost is None or unknown == calls:
        return "unknown"
    # Single calls cost fractions of a cent: show them, rather than a row of $0.0000.
    text = "$0.00" if cost == 0 else f"${cost:,.2f}" if cost >= 1 else f"${cost:.6f}"
    return text + (f" + {unknown} unknown" if unknown else "")


def _table(app: App, by: str, rows: list[UsageRow]) -> None:
    def line(key: str, calls: int, prompt: int, completion: int, cost: float | None, unknown: int, estimated: int) -> tuple[str, ...]:
        return (key, f"{calls:,}", _tokens(prompt, estimated > 0), _tokens(completion, estimated > 0), _cost(cost, unknown, calls))

    known = [r.cost_usd for r in rows if r.cost_usd is not None]
    total = line(
        "total",
        sum(r.calls for r in rows),
        sum(r.prompt_tokens for r in rows),
        sum(r.completion_tokens for r in rows),
        sum(known) if known else None,
        sum(r.unknown_cost_calls for r in rows),
        sum(r.estimated_calls for r in rows),
    )
    table: list[tuple[str, ...]] = [(by, "calls", "prompt", "completion", "cost")]
    table += [line(r.key, r.calls, r.prompt_tokens, r.completion_tokens, r.cost_usd, r.unknown_cost_calls, r.estimated_calls) for r in rows]
    table.append(total)
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    for index, row in enumerate(table):
        if index == len(table) - 1:
            app.out("  ".join("-" * w for w in widths))
        app.out("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
    if any(r.estimated_calls for r in rows):
        app.out("~ some token counts were counted locally (the server reported none)")
