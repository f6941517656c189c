"""``briefbot brief check | list | show | run | serve | history``: scheduled briefs.

Definitions come from ``--file``, ``BRIEFBOT_BRIEFS_FILE`` or briefs.toml in the config dir;
the run ledger (and the delivery outbox) from briefs.db in the data dir. ``--due`` is what
cron, a systemd timer or a Kubernetes CronJob calls: it runs the slot due now, once,
whoever else fires. ``BRIEFBOT_BRIEFS_CLOCK=START@RATE[@ANCHOR]`` (e.g. ``2026-03-08T05:00Z@600``) runs
``run`` and ``serve`` on a simulated clock that starts at START (at real unix time ANCHOR)
and goes RATE times faster than real time: for rehearsing a DST day, and for the
multi-process tests.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.app import App
from bot.errors import BriefError, DeliveryError, UsageError

if TYPE_CHECKING:
    from bot.briefs.definitions import BriefBook, BriefDefinition
    from bot.briefs.execution import SlotResult, Work
    from bot.briefs.heartbeat import LeasePolicy
    from bot.briefs.ledger import BriefLedger
    from bot.briefs.runner import BriefRunner


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "brief", help="scheduled briefs: check, list, show, run, serve, history",
        description="Scheduled briefs defined in briefs.toml (see examples/briefs.toml).",
        epilog="examples:\n  briefbot brief check\n  briefbot brief show morning --count 5\n"
        "  briefbot brief run morning --dry-run\n  briefbot brief run morning --due     # from cron / systemd / k8s\n"
        "  briefbot brief serve\n  briefbot brief history morning",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--file", metavar="PATH", help="briefs file (default: BRIEFBOT_BRIEFS_FILE, or briefs.toml in the config dir)")
    actions = parser.add_subparsers(dest="brief_action", metavar="ACTION")
    actions.add_parser("check", parents=[common], help="validate the briefs file; run nothing")
    listing = actions.add_parser("list", parents=[common], help="every brief with its next run and last status")
    listing.add_argument("--json", dest="as_json", action="store_true", help="print JSON")
    show = actions.add_parser("show", parents=[common], help="one brief's definition and next run times")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--after", metavar="ISO-8601", help="list runs after this moment (default: now)")
    show.add_argument("--count", type=int, default=3, help="how many run times (default 3)")
    show.add_argument("--json", dest="as_json", action="store_true", help="print JSON")
    run = actions.add_parser("run", parents=[common], help="run one brief: fetch, summarise, deliver")
    run.add_argument("name", metavar="NAME")
    which = run.add_mutually_exclusive_group()
    which.add_argument("--slot", metavar="ISO-8601", help="run this scheduled slot (once: a done slot is not run again)")
    which.add_argument("--due", action="store_true", help="run the slot due now, within max_lateness (once)")
    run.add_argument("--dry-run", action="store_true", help="print the brief as Markdown; deliver and record nothing")
    run.add_argument("--json", dest="as_json", action="store_true", help="print JSON")
    serve = actions.add_parser("serve", parents=[common], help="the foreground scheduler for every brief"
                               " (reloads the briefs file when it changes, or on SIGHUP)")
    serve.add_argument("--until", metavar="ISO-8601", help=argparse.SUPPRESS)  # simulations and tests
    history = actions.add_parser("history", parents=[common], help="past runs with their deliveries")
    history.add_argument("name", metavar="NAME", nargs="?")
    history.add_argument("-n", "--limit", type=int, default=50, help="how many runs (default 50)")
    history.add_argument("--json", dest="as_json", action="store_true", help="print JSON")
    parser.set_defaults(handler=dispatch, brief_action=None)


def dispatch(args: argparse.Namespace, app: App) -> int:
    from bot.cli import brief_views as views

    action = args.brief_action
    if action is None:
        raise UsageError("say what to do with briefs", hint="briefbot brief check | list | show NAME | run NAME | serve | history")
    if action == "history":
        return views.history(args, app, open_ledger(app))
    book = load_book(app, args.file)
    now_fn = clock(app)  # once per process: a simulated clock keeps one anchor
    if action == "check":
        return views.check(app, book, now_fn())
    if action == "list":
        return views.listing(app, book, open_ledger(app), now_fn(), as_json=args.as_json)
    if action == "show":
        after = parse_moment(args.after, "--after") if args.after else now_fn()
        if args.count < 1:
            raise UsageError(f"--count must be at least 1, not {args.count}")
        return views.show(app, book.get(args.name), after, args.count, as_json=args.as_json)
    if action == "run":
        return run_brief(args, app, book, now_fn)
    return serve(args, app, book, now_fn)


# --- the pieces every action shares ---------------------------------------------------------


def load_book(app: App, flag: str | None) -> BriefBook:
    from bot.briefs.definitions import briefs_file, load_briefs
    from bot.settings import read_dotenv

    # ${VAR} in a deliver table comes from the environment or .env, like every other secret.
    _, dotenv = read_dotenv(app.cwd, app.env)
    env = {**{k: v for k, v in dotenv.items() if v is not None}, **app.env}
    path = briefs_file(app.env, app.paths.briefs_file, flag)
    return load_briefs(path, env=env, template_dirs=[app.paths.config_dir / "briefs"])


def open_ledger(app: App) -> BriefLedger:
    from bot.briefs.ledger import BriefLedger

    return BriefLedger.open(app.paths.briefs_db)


def clock(app: App) -> Callable[[], datetime]:
    spec = _simulated_clock(app)
    if spec is None:
        return lambda: datetime.now(UTC)
    start, rate, anchor = spec
    return lambda: start + timedelta(seconds=(time.time() - anchor) * rate)


def sleeper(app: App) -> Callable[[float], None]:
    spec = _simulated_clock(app)
    rate = spec[1] if spec else 1.0
    return lambda seconds: time.sleep(seconds / rate)


def lease_policy(app: App) -> LeasePolicy:
    """The default lease, renewed at the pace of the clock in use (a simulated one runs faster)."""
    from bot.briefs.heartbeat import LeasePolicy

    spec = _simulated_clock(app)
    return LeasePolicy(pace=spec[1] if spec else 1.0)


def _simulated_clock(app: App) -> tuple[datetime, float, float] | None:
    """BRIEFBOT_BRIEFS_CLOCK=START@RATE[@ANCHOR]: START at real unix time ANCHOR (default: now),
    RATE times faster. Processes given the same ANCHOR share one simulated clock."""
    spec = app.env.get("BRIEFBOT_BRIEFS_CLOCK", "").strip()
    if not spec:
        return None
    start_text, _, rest = spec.partition("@")
    rate_text, _, anchor_text = rest.partition("@")
    start = parse_moment(start_text, "BRIEFBOT_BRIEFS_CLOCK")
    try:
        rate, anchor = float(rate_text or "1"), float(anchor_text) if anchor_text else time.time()
    except ValueError:
        rate, anchor = 0.0, 0.0
    if rate <= 0:
        raise UsageError(f"BRIEFBOT_BRIEFS_CLOCK {spec!r} is not START@RATE[@UNIX_ANCHOR]", hint="e.g. 2026-03-08T05:00Z@600")
    return start, rate, anchor


def parse_moment(text: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{what} {text!r} is not an ISO-8601 time", hint="e.g. 2026-11-30T07:00+09:00 or 2026-11-29T22:00Z") from None
    if moment.tzinfo is None:
        raise UsageError(f"{what} {text!r} has no UTC offset", hint="add one: 2026-11-30T07:00+09:00, or Z for UTC")
    return moment.astimezone(UTC)


def build_runner(app: App) -> BriefRunner:
    """The real collaborators: the connector runtime, the configured model, the delivery side."""
    from bot.briefs.runner import BriefRunner
    from bot.cli.common import open_backend
    from bot.grounded import ConnectorFetcher

    # One connector runtime for every run of this process (serve runs many): its HTTP client
    # (timeouts, redaction, BRIEFBOT_HTTP_REWRITE) carries the deliveries too.
    fetcher = ConnectorFetcher(app.settings, cache_dir=app.paths.http_cache_dir, env=app.env, redactor=app.redactor)

    def http() -> Any:
        return fetcher.runtime().http

    return BriefRunner(
        settings=app.settings,
        fetcher=fetcher,
        db_path=app.paths.briefs_db,
        backend_factory=lambda: open_backend(app),
        http_factory=http,
        scrub=app.scrub,
    )


def make_work(app: App, now: Callable[[], datetime]) -> Work:
    runner = build_runner(app)

    def work(brief: BriefDefinition, row: Any) -> Any:
        return runner.run(brief, row.run_key, None if row.kind == "manual" else row.slot_utc, now())

    return work


# --- run and serve ----------------------------------------------------------------------------


def run_brief(args: argparse.Namespace, app: App, book: BriefBook, now_fn: Callable[[], datetime]) -> int:
    from bot.briefs.execution import SlotResult, Stopped, StopSignals, run_slot
    from bot.briefs.scheduler import BriefScheduler
    from bot.cli import brief_views as views

    brief = book.get(args.name)
    if args.dry_run:
        from bot.briefs.ledger import run_key

        now = now_fn()
        slot = checked_slot(brief, parse_moment(args.slot, "--slot")) if args.slot else None
        doc, stats, _ = build_runner(app).produce(brief, run_key(brief.name, slot or now, "scheduled" if slot else "manual"), slot, now)
        views.print_dry_run(app, doc, stats, as_json=args.as_json)
        return 0
    work = make_work(app, now_fn)
    signals = StopSignals()  # a stop mid-run abandons it (recorded as such), never leaves it "running"
    signals.install()
    try:
        with open_ledger(app) as ledger:
            if args.due:
                scheduler = BriefScheduler(book, ledger, work, clock=now_fn, sleep=sleeper(app), scrub=app.scrub,
                                           lease=lease_policy(app))
                now = now_fn()
                results = scheduler.due(brief, up_since=now - brief.max_lateness)
                latest = brief.schedule.latest_at_or_before(now)
                if not results and latest is not None and now - latest <= brief.max_lateness:
                    row = ledger.slot(brief.name, latest)  # recorded earlier: say how it went
                    results = [SlotResult("exists", row)] if row is not None else []
                if not results:
                    app.out(f"{brief.name}: nothing due at {views.local_text(brief, now)} (within max_lateness)") if not args.as_json \
                        else app.out(json.dumps({"brief": brief.name, "outcome": "nothing-due"}))
                    return 0
                result = results[0]
            else:
                if args.slot:
                    slot, kind = checked_slot(brief, parse_moment(args.slot, "--slot")), "scheduled"
                else:
                    slot, kind = now_fn().replace(microsecond=0), "manual"
                result = run_slot(ledger, brief, slot, kind, work, clock=now_fn, scrub=app.scrub,  # type: ignore[arg-type]
                                  lease=lease_policy(app))
            return report_result(args, app, brief, result, ledger)
    except Stopped as exc:
        app.err(f"stopped by {exc}: the run was recorded as abandoned")
        return 128 + exc.signum
    finally:
        signals.restore()


def checked_slot(brief: BriefDefinition, moment: datetime) -> datetime:
    slot = brief.schedule.latest_at_or_before(moment)
    if slot != moment:
        upcoming = brief.schedule.next_runs(moment, 1)
        near = [t.isoformat() for t in [*(brief.schedule.local(s) for s in [slot] if s), *upcoming]]
        raise UsageError(
            f"--slot {moment.isoformat()} is not a run time of {brief.name} ({brief.schedule.cron} in {brief.schedule.timezone})",
            hint="nearest run times: " + ", ".join(near),
        )
    return slot


def report_result(args: argparse.Namespace, app: App, brief: BriefDefinition, result: SlotResult, ledger: BriefLedger) -> int:
    from bot.cli import brief_views as views

    views.print_result(app, brief, result, as_json=args.as_json)
    if result.outcome == "busy" and args.slot is None and not args.due:
        raise BriefError(f"{brief.name} is already running (run {result.row.run_key if result.row else '?'})",
                         hint="wait for it to finish: briefbot brief history " + brief.name)
    if result.error is not None:
        raise result.error
    run = result.run
    undelivered = [r for r in run.reports if r.status != "delivered"] if run is not None else []
    if run is not None and run.stats.sources_ok > 0 and undelivered:
        # The brief was made; a destination refused it for good or its retries were spent (exit 63,
        # whether or not another destination got it: a script must learn a channel stayed silent).
        raise DeliveryError(
            f"{brief.name}: {len(undelivered)} of {len(run.reports)} deliveries failed for good ("
            + "; ".join((r.error or f"{r.target}: {r.status}").splitlines()[0] for r in undelivered) + ")",
            hint="briefbot brief history " + brief.name + " shows each delivery and why",
        )
    if result.row is not None and result.row.status == "failed" and result.outcome == "ran":
        raise BriefError(f"{brief.name}: the run failed ({result.row.error or 'see briefbot brief history'})",
                         hint="briefbot brief history " + brief.name + " shows each source and delivery")
    return 0


def serve(args: argparse.Namespace, app: App, book: BriefBook, now_fn: Callable[[], datetime]) -> int:
    from bot.briefs.execution import Stopped, StopSignals
    from bot.briefs.reload import BookReloader, ReloadSignal
    from bot.briefs.scheduler import BriefScheduler

    until = parse_moment(args.until, "--until") if args.until else None
    signals = StopSignals()

    def log(line: str) -> None:
        app.err(f"{now_fn().strftime('%Y-%m-%dT%H:%M:%SZ')} {line}")

    # briefs.toml is loaded again when it changes or on SIGHUP; a broken edit keeps the last good one.
    reloader = BookReloader(book, load=lambda: load_book(app, args.file), log=log)
    hangup = ReloadSignal(reloader, sleeper(app))
    with open_ledger(app) as ledger:
        scheduler = BriefScheduler(book, ledger, make_work(app, now_fn), clock=now_fn, sleep=hangup.nap, log=log,
                                   scrub=app.scrub, signals=signals, lease=lease_policy(app), reload=reloader.poll)
        # Handlers first, then the line that says serve is up: a signal sent on seeing it is handled.
        signals.install()
        hangup.install()
        try:
            log(f"serving {len(book.briefs)} brief(s) from {book.file} (reloaded when it changes, or on SIGHUP); "
                f"ledger {ledger.path}")
            scheduler.serve(until=until)
        except Stopped as exc:
            log(f"stopped by {exc}")
            return 0
        finally:
            hangup.restore()
            signals.restore()
        if signals.requested is not None:
            log("stopped after finishing the current run")
    return 0
