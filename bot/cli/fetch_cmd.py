"""``briefbot fetch NAME name=value ... [--json] [--no-cache]``: one connector's records.

Readable by default: each record with its values and units, series as short tables, and
where and when the data came from. ``--json`` prints exactly one object:
``{"connector", "records": [...], "source", "fetched_at", "as_of"}``.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.app import App
from bot.errors import UsageError

if TYPE_CHECKING:
    from connectors.records import Record
    from connectors.runtime import FetchResult

SERIES_ROWS = 12
TABLE_THRESHOLD = 4  # this many observations of one kind print as a table


def register(sub: Any) -> None:  # argparse._SubParsersAction; private type
    parser = sub.add_parser(
        "fetch",
        help="fetch live data from one connector and print its records",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        epilog="examples:\n  briefbot fetch weather place=서울 days=3\n  briefbot fetch fx base=USD symbols=KRW\n"
        "  briefbot fetch crypto market=KRW-BTC --json\n  briefbot fetch stocks symbol=005930.KS\n"
        "`briefbot connectors show NAME` lists each connector's parameters.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="NAME", help="connector name (`briefbot connectors list`)")
    parser.add_argument("params", metavar="name=value", nargs="*", help="connector parameters")
    parser.add_argument("--json", dest="as_json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-cache", action="store_true", help="ask the source even if a fresh cached copy exists")
    parser.set_defaults(handler=run)


def parse_pairs(tokens: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        key = key.strip()
        if not sep or not key:
            # (worded "name=value": the redactor masks anything shaped like "key=...")
            raise UsageError(f"parameter {token!r} is not name=value", hint="e.g. briefbot fetch weather place=서울")
        if key in params:
            raise UsageError(f"parameter {key!r} is given twice")
        params[key] = value
    return params


def run(args: argparse.Namespace, app: App) -> int:
    params = parse_pairs(list(args.params))
    from connectors.runtime import ConnectorRuntime  # deferred: requests and pydantic models are heavy

    # The app's redactor is the runtime's: a plugin's key in its own error message is masked too.
    with ConnectorRuntime(app.settings, cache_dir=app.paths.http_cache_dir, env=app.env, redactor=app.redactor) as runtime:
        result = runtime.fetch(args.name, params, refresh=bool(args.no_cache))
    if result.stale and result.warning:
        app.err(f"warning: the source failed; showing cached data ({result.warning.splitlines()[0]})")
    if args.as_json:
        app.out(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        app.out(render(result))
    return 0


# --- readable output ----------------------------------------------------------------------


def render(result: FetchResult) -> str:
    lines = [f"{result.connector} · {result.source} · fetched {_utc(result.fetched_at)}"
             + (" (cached)" if result.from_cache and not result.stale else "")
             + (" (STALE)" if result.stale else "")]
    groups: dict[str, list[Record]] = {}
    for record in result.records:
        groups.setdefault(record.kind, []).append(record)
    for kind, records in groups.items():
        if len(records) >= TABLE_THRESHOLD and not hasattr(records[0], "points"):
            lines += ["", *_observation_table(kind, records)]
        else:
            for record in records:
                lines += ["", *_record_block(record)]
    notes = list(dict.fromkeys(r.note for r in result.records if r.note))
    urls = list(dict.fromkeys(r.source_url for r in result.records))
    lines.append("")
    lines += [f"note: {n}" for n in notes]
    lines += [f"source: {u}" for u in urls]
    return "\n".join(lines)


def _record_block(record: Record) -> list[str]:
    points = getattr(record, "points", None)
    header = f"{record.subject} — {record.kind}"
    if points is None:
        out = [f"{header}, as of {_local(record.as_of)}"]
        values = {k: v for k, v in record.values().items() if v is not None and k != "kind"}
        width = max((len(k) for k in values), default=0)
        out += [f"  {k.ljust(width)}  {_value(v, record.units.get(k), k)}" for k, v in values.items()]
        return out
    if not points:
        return [f"{header}: no points"]
    out = [f"{header}, {len(points)} points, {_local(points[0].time)} → {_local(points[-1].time)}"]
    columns = list(dict.fromkeys(k for p in points for k in p.values))
    rows = [["time", *[c + (f" ({record.units[c]})" if c in record.units else "") for c in columns]]]
    shown = points if len(points) <= SERIES_ROWS else points[: SERIES_ROWS - 1]
    for p in shown:
        rows.append([p.time.strftime("%m-%d %H:%M"), *[_value(p.values.get(c), record.units.get(c), c, bare=True)
                                                        for c in columns]])
    out += _table(rows)
    if len(points) > len(shown):
        out.append(f"  … {len(points) - len(shown)} more (use --json for all)")
    return out


def _observation_table(kind: str, records: list[Record]) -> list[str]:
    values = [r.values() for r in records]
    names = [k for k in values[0] if k != "kind"]
    constant = {k for k in names if len({json.dumps(v.get(k)) for v in values}) == 1}
    shown = ["subject", *[k for k in names if k not in constant]]
    out = [f"{kind}, {len(records)} records, as of {_local(records[0].as_of)}"]
    out += [f"  {k}: {values[0][k]}" for k in names if k in constant and values[0][k] is not None]
    rows = [shown] + [[r.subject, *[_value(v.get(k), r.units.get(k), k, bare=True) for k in shown[1:]]]
                      for r, v in zip(records, values)]
    return out + _table(rows)


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def _value(value: Any, unit: str | None = None, name: str = "", *, bare: bool = False) -> str:
    """A value rounded by what it is (a close to the cent, a rate to 6 digits, never '-0.0'),
    with its unit unless ``bare`` (a table states units in its header)."""
    if value is None:
        return "-"
    if isinstance(value, float):
        from prompts.readable import number  # deferred: only a fetch prints numbers

        text = f"{value:.5f}".rstrip("0").rstrip(".") if name in _COORDINATES else number(value, name, unit or "")
    else:
        text = str(value)
    return f"{text} {unit}" if unit and not bare else text


_COORDINATES = frozenset({"latitude", "longitude", "lat", "lon"})


def _local(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M %Z").strip() + f" (UTC{when.strftime('%z')[:3]}:{when.strftime('%z')[3:]})"


def _utc(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")
