"""What ``briefbot brief ...`` prints: readable text, or one JSON object with ``--json``."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.app import App

if TYPE_CHECKING:
    from bot.briefs.definitions import BriefBook, BriefDefinition
    from bot.briefs.execution import SlotResult
    from bot.briefs.ledger import BriefLedger, RunRow

STATUS_TEXT = {"skipped-policy": "skipped (policy)", "skipped-overlap": "skipped (overlap)"}


def local_text(brief: BriefDefinition, moment: datetime) -> str:
    return brief.schedule.local(moment).isoformat(timespec="minutes")


def describe_brief(brief: BriefDefinition, after: datetime, count: int) -> dict[str, Any]:
    return {
        "name": brief.name,
        "schedule": brief.schedule.cron,
        "timezone": brief.schedule.timezone,
        "next_runs": [t.isoformat() for t in brief.schedule.next_runs(after, count)],
        "sources": [s.as_cli() for s in brief.sources],
        "language": brief.language,
        "template": brief.template,
        "prompt": brief.instructions if brief.template is None else None,
        "summary": brief.summary,
        "catch_up": brief.catch_up,
        "max_lateness_minutes": int(brief.max_lateness.total_seconds() // 60),
        "deliver": [{"to": t.kind, "destination": t.describe()} for t in brief.targets],
        "file": str(brief.file),
    }


def check(app: App, book: BriefBook, now: datetime) -> int:
    for brief in book.briefs.values():
        upcoming = brief.schedule.next_runs(now, 1)
        targets = ", ".join(t.kind for t in brief.targets) or "no deliveries: runs are recorded, sent nowhere"
        app.out(f"ok  {brief.name}: {brief.schedule.cron} ({brief.schedule.timezone}), {len(brief.sources)} source(s), "
                f"{targets}; next {upcoming[0].isoformat() if upcoming else 'never'}")
    app.out(f"{book.file}: {len(book.briefs)} brief(s), all valid")
    return 0


def listing(app: App, book: BriefBook, ledger: BriefLedger, now: datetime, *, as_json: bool) -> int:
    with ledger:
        last = {name: next(iter(ledger.runs(name, limit=1)), None) for name in book.briefs}
    rows = []
    for brief in book.briefs.values():
        info = describe_brief(brief, now, 1)
        row = last[brief.name]
        info["last"] = None if row is None else {"slot_utc": row.slot_utc.isoformat(), "status": row.status, "kind": row.kind}
        rows.append(info)
    if as_json:
        app.out(json.dumps(rows, ensure_ascii=False))
        return 0
    for info in rows:
        last_text = f"{STATUS_TEXT.get(info['last']['status'], info['last']['status'])} {info['last']['slot_utc']}" if info["last"] else "never run"
        app.out(f"{info['name']:<16} {info['schedule']:<16} {info['timezone']:<20} next {(info['next_runs'] or ['never'])[0]}  last: {last_text}")
    return 0


def show(app: App, brief: BriefDefinition, after: datetime, count: int, *, as_json: bool) -> int:
    info = describe_brief(brief, after, count)
    if as_json:
        app.out(json.dumps(info, ensure_ascii=False))
        return 0
    app.out(f"{brief.name} ({brief.file})")
    app.out(f"  schedule   {info['schedule']} in {info['timezone']}")
    app.out(f"  sources    " + "\n             ".join(info["sources"]))
    app.out(f"  language   {info['language']} · summary {info['summary']} · template {info['template'] or '(inline prompt)'}")
    app.out(f"  catch-up   {info['catch_up']} within {info['max_lateness_minutes']} min")
    for target in info["deliver"]:
        app.out(f"  deliver    {target['to']}: {target['destination']}")
    app.out(f"  next runs after {after.astimezone(brief.schedule.zone).isoformat(timespec='minutes')}:")
    for when in info["next_runs"]:
        app.out(f"    {when}")
    return 0


def print_dry_run(app: App, doc: Any, stats: Any, *, as_json: bool) -> None:
    if as_json:
        app.out(json.dumps({"brief": doc.brief, "dry_run": True, "markdown": doc.markdown(), "sources_ok": stats.sources_ok,
                            "sources_failed": stats.sources_failed, "tokens": stats.tokens, "missing": doc.missing}, ensure_ascii=False))
        return
    app.out(doc.markdown())
    app.err(f"(dry run: nothing delivered, nothing recorded; {stats.sources_ok} source(s) ok, {stats.sources_failed} failed)")


def print_result(app: App, brief: BriefDefinition, result: SlotResult, *, as_json: bool) -> None:
    row = result.row
    reports = result.run.reports if result.run else []
    if as_json:
        data = {"brief": brief.name, "outcome": result.outcome, **(_row_json(row) if row else {}),
                "deliveries": [_report_json(r) for r in reports]}
        app.out(json.dumps(data, ensure_ascii=False))
        return
    if row is None:
        app.out(f"{brief.name}: {result.outcome}")
        return
    when = local_text(brief, row.slot_utc)
    if result.outcome == "exists":
        app.out(f"{brief.name} {when}: already {STATUS_TEXT.get(row.status, row.status)}; not run again")
        return
    if result.outcome == "busy":
        app.out(f"{brief.name}: another run is going ({row.run_key}); this one was not started")
        return
    app.out(f"{brief.name} {when} ({row.kind}): {row.status} · sources {row.sources_ok} ok, {row.sources_failed} failed"
            f" · {row.tokens} tokens · {_duration(row.duration_s)}")
    for report in reports:
        app.out("  " + _report_text(report))
    if row.error:
        app.out(f"  note: {row.error}")


def history(args: argparse.Namespace, app: App, ledger: BriefLedger) -> int:
    with ledger:
        rows = ledger.runs(args.name, limit=args.limit)
    reports = _delivery_reports(ledger, rows)
    if args.as_json:
        app.out(json.dumps([{**_row_json(r), "deliveries": [_report_json(d) for d in reports[r.id]]} for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        app.out(f"no runs recorded yet{' for ' + args.name if args.name else ''} (ledger: {ledger.path})")
        return 0
    for row in rows:
        local = row.slot_utc.astimezone(_zone(row.timezone)).isoformat(timespec="minutes")
        cost = "-" if row.cost_usd is None else f"${row.cost_usd:.4f}"
        app.out(f"{row.brief}  {local} ({row.slot_utc.strftime('%Y-%m-%d %H:%MZ')})  {row.kind:<9}  "
                f"{STATUS_TEXT.get(row.status, row.status):<17}  start {row.started_at.strftime('%H:%M:%SZ') if row.started_at else '-'}"
                f"  {_duration(row.duration_s)}  sources {row.sources_ok}/{row.sources_ok + row.sources_failed}  "
                f"{row.tokens} tok  {cost}")
        for report in reports[row.id]:
            app.out("    " + _report_text(report))
        if row.error:
            app.out(f"    note: {row.error}")
    return 0


def _delivery_reports(ledger: BriefLedger, rows: list[RunRow]) -> dict[int, list[Any]]:
    if not any(r.started_at for r in rows):
        return {r.id: [] for r in rows}  # nothing ran, nothing was delivered
    from bot.briefs.targets import delivery_reports  # the delivery side's outbox, same file

    return {r.id: (delivery_reports(ledger.path, r.run_key) if r.started_at else []) for r in rows}


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _row_json(row: RunRow) -> dict[str, Any]:
    return {
        "brief": row.brief, "run_key": row.run_key, "slot_utc": row.slot_utc.isoformat(),
        "slot_local": row.slot_utc.astimezone(_zone(row.timezone)).isoformat(), "kind": row.kind, "status": row.status,
        "started_at": row.started_at.isoformat() if row.started_at else None, "duration_s": row.duration_s,
        "sources_ok": row.sources_ok, "sources_failed": row.sources_failed, "tokens": row.tokens, "cost_usd": row.cost_usd,
        "error": row.error,
    }


def _report_json(report: Any) -> dict[str, Any]:
    return {"target": report.target, "kind": report.kind, "status": report.status, "parts": report.parts,
            "attempts": report.attempts, "message_ids": list(report.message_ids), "error": report.error}


def _report_text(report: Any) -> str:
    ids = f" · ids {', '.join(report.message_ids)}" if report.message_ids else ""
    error = f" · {report.error}" if report.error else ""
    return f"→ {report.kind} {report.target}: {report.status} · {report.parts} part(s), {report.attempts} attempt(s){ids}{error}"


def _duration(seconds: float | None) -> str:
    return "-" if seconds is None else (f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min")
