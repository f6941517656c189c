"""``brief serve`` follows briefs.toml: a changed file is loaded at the next tick, SIGHUP loads it
at once, and a broken edit is logged (in ``brief check``'s words) while the last good briefs
keep running.

Real files and a real SQLite ledger; the scheduler on a hand-moved clock, then a real
``briefbot brief serve`` process.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.briefs.definitions import load_briefs
from bot.briefs.ledger import BriefLedger
from bot.briefs.reload import BookReloader, ReloadSignal
from bot.briefs.scheduler import BriefScheduler
from tests.briefs.support import FakeClock, RecordingWork
from tests.briefs.upstream import brief_env, replay
from tests.support.live_process import LiveProcess

KST = timedelta(hours=9)
MORNING = """
[morning]
schedule = "{cron}"
timezone = "{zone}"
sources = ["fx base=USD symbols=KRW"]
summary = "none"
"""
EVENING = """
[evening]
schedule = "0 19 * * *"
timezone = "Asia/Seoul"
sources = ["fx base=USD symbols=EUR"]
summary = "none"
"""


def morning(cron: str = "0 7 * * *", zone: str = "Asia/Seoul") -> str:
    return MORNING.format(cron=cron, zone=zone)


def kst(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - KST


def test_serve_follows_the_file_and_keeps_the_last_good_briefs_through_a_broken_edit(tmp_path: Path) -> None:
    path = tmp_path / "briefs.toml"
    path.write_text(morning(), encoding="utf-8")
    clock = FakeClock(kst(23, 6))  # Monday 06:00 in Seoul
    # Edits land while the scheduler sleeps, at these moments of its clock.
    edits = [(kst(23, 12), morning(zone="Mars/Olympus")),  # Monday noon: a mistake
             (kst(24, 12), morning(cron="30 7 * * *") + EVENING)]  # Tuesday noon: fixed, rescheduled, one more

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        while edits and clock.now >= edits[0][0]:
            path.write_text(edits.pop(0)[1], encoding="utf-8")

    lines: list[str] = []
    book = load_briefs(path, env={})
    reloader = BookReloader(book, load=lambda: load_briefs(path, env={}), log=lines.append)
    work = RecordingWork(clock)
    with BriefLedger.open(tmp_path / "briefs.db") as ledger:
        scheduler = BriefScheduler(book, ledger, work, clock=clock, sleep=sleep, log=lines.append, reload=reloader.poll)
        scheduler.serve(until=kst(25, 8))  # Wednesday 08:00
        rows = {(r.brief, r.slot_utc + KST, r.status) for r in ledger.runs()}

    log = "\n".join(lines)
    assert f"error: {path}: [morning] timezone: unknown time zone 'Mars/Olympus'\n  → use an IANA name" in log
    assert "not reloaded after it changed: still serving the last good briefs (morning); fix the file and save it again" in log
    assert f"reloaded {path} after it changed: 2 brief(s); added evening; changed morning" in log
    assert [(name, slot + KST, kind) for name, slot, kind in work.runs] == [
        ("morning", kst(23, 7) + KST, "scheduled"),
        ("morning", kst(24, 7) + KST, "scheduled"),  # the broken edit changed nothing
        ("evening", kst(24, 19) + KST, "scheduled"),  # new at Tuesday noon: Monday's 19:00 was never its slot
        ("morning", kst(25, 7, 30) + KST, "scheduled"),
    ]
    # Rescheduled at noon, morning's 07:30 of that day had passed before it existed: recorded, not
    # run (as after a restart; it is past max_lateness).
    assert ("morning", kst(24, 7, 30) + KST, "missed") in rows


def test_sighup_wakes_a_sleeping_scheduler_and_asks_for_a_reload(tmp_path: Path) -> None:
    path = tmp_path / "briefs.toml"
    path.write_text(morning(), encoding="utf-8")
    book = load_briefs(path, env={})
    reloader = BookReloader(book, load=lambda: load_briefs(path, env={}), log=lambda line: None)
    napping, slept_through = threading.Event(), []

    def sleep(seconds: float) -> None:
        napping.set()
        time.sleep(seconds)
        slept_through.append(seconds)

    hangup = ReloadSignal(reloader, sleep)
    hangup.install()
    try:
        threading.Thread(target=lambda: napping.wait(60) and os.kill(os.getpid(), signal.SIGHUP)).start()
        hangup.nap(60)  # the hang guard: a nap SIGHUP could not cut short would end by itself
    finally:
        hangup.restore()
    assert slept_through == [] and reloader.requested  # woken, not slept out
    reloaded = reloader.poll()  # the file is unchanged: only the request makes it load
    assert reloaded is not None and list(reloaded.briefs) == ["morning"] and not reloader.requested


def wait_for_lines(serve: LiveProcess, *texts: str) -> Callable[[], bool]:
    return lambda: all(text in serve.stderr for text in texts)


def test_a_serve_process_reloads_on_change_and_on_sighup_and_survives_a_broken_file(tmp_path: Path) -> None:
    with replay() as server:
        # A simulated clock 60 times faster: serve's one-minute naps last a real second.
        env = brief_env(tmp_path, server, BRIEFBOT_BRIEFS_CLOCK=f"2026-11-28T03:00Z@60@{time.time()}")
        path = Path(env["XDG_CONFIG_HOME"]) / "briefbot" / "briefs.toml"
        good = path.read_text(encoding="utf-8")
        with LiveProcess(env, "brief", "serve", cwd=tmp_path) as serve:
            serve.wait_for(wait_for_lines(serve, "serving 1 brief(s)"), "serve to start")
            path.write_text(good.replace('"Asia/Seoul"', '"Mars/Olympus"'), encoding="utf-8")
            serve.wait_for(wait_for_lines(serve, "not reloaded after it changed"), "the broken edit to be refused")
            path.write_text(good + EVENING, encoding="utf-8")
            serve.wait_for(wait_for_lines(serve, "after it changed: 2 brief(s); added evening"), "the fixed file to load")
            serve.proc.send_signal(signal.SIGHUP)
            serve.wait_for(wait_for_lines(serve, "on SIGHUP: 2 brief(s), nothing changed"), "the SIGHUP reload")
            serve.proc.send_signal(signal.SIGTERM)
            code = serve.finish()
    err = serve.stderr
    assert code == 0, err
    assert f"error: {path}: [morning] timezone: unknown time zone 'Mars/Olympus'" in err
    assert "  → use an IANA name" in err and "still serving the last good briefs (morning)" in err
    assert "stopped by SIGTERM" in err and "Traceback" not in err
