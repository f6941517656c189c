"""The real scheduler loop (BriefScheduler.serve) over a real SQLite ledger, on a fake clock.

Each test lets the loop sleep through days in a blink and then reads the ledger: which
slots ran, which were recorded otherwise, and that every slot appears exactly once.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.briefs.ledger import BriefLedger
from bot.briefs.scheduler import BriefScheduler
from tests.briefs.support import FakeClock, RecordingWork, book, make_brief


def _serve(tmp_path: Path, briefs: list, start: datetime, until: datetime, *, takes: timedelta = timedelta(seconds=20),
           clock: FakeClock | None = None, db: Path | None = None) -> tuple[RecordingWork, BriefLedger]:
    clock = clock or FakeClock(start)
    clock.now = start
    work = RecordingWork(clock, takes=takes)
    ledger = BriefLedger.open(db or tmp_path / "briefs.db")
    scheduler = BriefScheduler(book(*briefs), ledger, work, clock=clock, sleep=clock.sleep, max_nap=timedelta(minutes=30))
    scheduler.serve(until=until)
    return work, ledger


def _local(ledger: BriefLedger, name: str, zone: str) -> list[tuple[str, str, str]]:
    rows = sorted(ledger.runs(name), key=lambda r: r.slot_utc)
    return [(r.slot_utc.astimezone(ZoneInfo(zone)).strftime("%m-%d %H:%M%z"), r.kind, r.status) for r in rows]


def _assert_each_slot_once(ledger: BriefLedger) -> None:
    keys = Counter((r.brief, r.slot_utc) for r in ledger.runs())
    assert keys and max(keys.values()) == 1
    assert all(r.status != "running" for r in ledger.runs())


def test_a_normal_week_runs_each_weekday_once_at_0700_seoul(tmp_path: Path) -> None:
    brief = make_brief("morning", "0 7 * * 1-5", "Asia/Seoul")
    start = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # Sunday 21:00 KST
    work, ledger = _serve(tmp_path, [brief], start, start + timedelta(days=7))
    assert _local(ledger, "morning", "Asia/Seoul") == [
        (f"{day} 07:00+0900", "scheduled", "succeeded") for day in ("11-30", "12-01", "12-02", "12-03", "12-04")
    ]
    assert [kind for _, _, kind in work.runs] == ["scheduled"] * 5
    _assert_each_slot_once(ledger)


DST_CASES = [
    # zone, day start (local midnight), cron, expected local slots that day
    ("America/New_York", (2026, 3, 8), "30 2 * * *", ["03-08 03:00-0400"]),  # skipped hour: once, at the transition
    ("America/New_York", (2026, 11, 1), "30 1 * * *", ["11-01 01:30-0400"]),  # repeated hour: once, first instant
    ("America/New_York", (2026, 11, 1), "30 2 * * *", ["11-01 02:30-0500"]),
    ("America/New_York", (2026, 3, 8), "30 * * * *",
     ["03-08 00:30-0500", "03-08 01:30-0500", *[f"03-08 {h:02d}:30-0400" for h in range(3, 24)]]),  # 23 real hours
    ("America/New_York", (2026, 11, 1), "30 * * * *",
     ["11-01 00:30-0400", "11-01 01:30-0400", "11-01 01:30-0500", *[f"11-01 {h:02d}:30-0500" for h in range(2, 24)]]),
    ("Europe/Berlin", (2026, 3, 29), "30 2 * * *", ["03-29 03:00+0200"]),
    ("Europe/Berlin", (2026, 10, 25), "30 2 * * *", ["10-25 02:30+0200"]),
    ("Europe/Berlin", (2026, 3, 29), "30 * * * *",
     ["03-29 00:30+0100", "03-29 01:30+0100", *[f"03-29 {h:02d}:30+0200" for h in range(3, 24)]]),
    ("Europe/Berlin", (2026, 10, 25), "30 * * * *",
     ["10-25 00:30+0200", "10-25 01:30+0200", "10-25 02:30+0200", "10-25 02:30+0100",
      *[f"10-25 {h:02d}:30+0100" for h in range(3, 24)]]),
]


@pytest.mark.parametrize(("zone", "day", "cron", "expected"), DST_CASES, ids=[f"{c[0]}-{c[1][1]}-{c[2]}" for c in DST_CASES])
def test_dst_days_follow_debian_cron(tmp_path: Path, zone: str, day: tuple[int, int, int], cron: str, expected: list[str]) -> None:
    tz = ZoneInfo(zone)
    start = datetime(*day, 0, 0, tzinfo=tz).astimezone(UTC) - timedelta(minutes=1)
    end = datetime(*day, 23, 59, tzinfo=tz).astimezone(UTC)
    brief = make_brief("dst", cron, zone)
    work, ledger = _serve(tmp_path, [brief], start, end)
    assert _local(ledger, "dst", zone) == [(slot, "scheduled", "succeeded") for slot in expected]
    assert len(work.runs) == len(expected)
    _assert_each_slot_once(ledger)


def test_spring_forward_restart_after_the_gap_still_runs_the_transition_slot(tmp_path: Path) -> None:
    # Up until 01:50 EST, down across the jump, back at 03:10 EDT: the 03:00 transition slot is
    # 10 minutes late, so "latest" catches it up once (iterating from the ledger, not from now).
    tz = ZoneInfo("America/New_York")
    brief = make_brief("dst", "30 2 * * *", "America/New_York", max_lateness=timedelta(hours=1))
    db = tmp_path / "briefs.db"
    first = datetime(2026, 3, 7, 2, 0, tzinfo=tz).astimezone(UTC)
    _serve(tmp_path, [brief], first, datetime(2026, 3, 8, 1, 50, tzinfo=tz).astimezone(UTC), db=db)
    work, ledger = _serve(tmp_path, [brief], datetime(2026, 3, 8, 3, 10, tzinfo=tz).astimezone(UTC),
                          datetime(2026, 3, 8, 4, 0, tzinfo=tz).astimezone(UTC), db=db)
    assert _local(ledger, "dst", "America/New_York") == [("03-07 02:30-0500", "scheduled", "succeeded"),
                                                        ("03-08 03:00-0400", "catch-up", "succeeded")]


@pytest.mark.parametrize(("policy", "expected_tail"), [
    ("latest", [("12-01 03:00+0900", "scheduled", "missed"), ("12-01 04:00+0900", "scheduled", "missed"),
                ("12-01 05:00+0900", "catch-up", "succeeded")]),
    ("skip", [("12-01 03:00+0900", "scheduled", "skipped-policy"), ("12-01 04:00+0900", "scheduled", "skipped-policy"),
              ("12-01 05:00+0900", "scheduled", "skipped-policy")]),
])
def test_three_hours_down_under_each_catch_up_policy(tmp_path: Path, policy: str, expected_tail: list) -> None:
    brief = make_brief("hourly", "0 * * * *", "Asia/Seoul", catch_up=policy, max_lateness=timedelta(minutes=30))
    db = tmp_path / "briefs.db"
    tz = ZoneInfo("Asia/Seoul")
    _serve(tmp_path, [brief], datetime(2026, 12, 1, 0, 30, tzinfo=tz), datetime(2026, 12, 1, 2, 30, tzinfo=tz), db=db)
    # Down from 02:30 to 05:10 (the 03:00, 04:00 and 05:00 slots pass), then up again.
    work, ledger = _serve(tmp_path, [brief], datetime(2026, 12, 1, 5, 10, tzinfo=tz), datetime(2026, 12, 1, 6, 30, tzinfo=tz), db=db)
    rows = _local(ledger, "hourly", "Asia/Seoul")
    assert rows[:2] == [("12-01 01:00+0900", "scheduled", "succeeded"), ("12-01 02:00+0900", "scheduled", "succeeded")]
    assert rows[2:5] == expected_tail
    assert rows[5:] == [("12-01 06:00+0900", "scheduled", "succeeded")]
    assert len(work.runs) == (2 if policy == "latest" else 1)
    _assert_each_slot_once(ledger)


def test_catch_up_beyond_max_lateness_runs_nothing(tmp_path: Path) -> None:
    brief = make_brief("daily", "0 7 * * *", "Asia/Seoul", catch_up="latest", max_lateness=timedelta(hours=2))
    tz = ZoneInfo("Asia/Seoul")
    db = tmp_path / "briefs.db"
    _serve(tmp_path, [brief], datetime(2026, 12, 1, 6, 0, tzinfo=tz), datetime(2026, 12, 1, 8, 0, tzinfo=tz), db=db)
    work, ledger = _serve(tmp_path, [brief], datetime(2026, 12, 2, 9, 30, tzinfo=tz), datetime(2026, 12, 2, 10, 0, tzinfo=tz), db=db)
    assert _local(ledger, "daily", "Asia/Seoul") == [("12-01 07:00+0900", "scheduled", "succeeded"),
                                                    ("12-02 07:00+0900", "scheduled", "missed")]
    assert work.runs == []


def test_a_run_longer_than_the_interval_skips_the_overlapped_slot(tmp_path: Path) -> None:
    brief = make_brief("slow", "0 * * * *", "UTC")
    start = datetime(2026, 12, 1, 6, 59, tzinfo=UTC)
    work, ledger = _serve(tmp_path, [brief], start, datetime(2026, 12, 1, 10, 30, tzinfo=UTC), takes=timedelta(minutes=70))
    rows = _local(ledger, "slow", "UTC")
    # 07:00 runs until 08:10, so 08:00 is skipped; 09:00 runs until 10:10, so 10:00 is skipped.
    assert rows == [("12-01 07:00+0000", "scheduled", "succeeded"), ("12-01 08:00+0000", "scheduled", "skipped-overlap"),
                    ("12-01 09:00+0000", "scheduled", "succeeded"), ("12-01 10:00+0000", "scheduled", "skipped-overlap")]
    _assert_each_slot_once(ledger)


def test_a_second_scheduler_on_the_same_ledger_never_runs_a_slot_again(tmp_path: Path) -> None:
    brief = make_brief("hourly", "0 * * * *", "UTC")
    db = tmp_path / "briefs.db"
    start, until = datetime(2026, 12, 1, 0, 1, tzinfo=UTC), datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    first, _ = _serve(tmp_path, [brief], start, until, db=db)
    second, ledger = _serve(tmp_path, [brief], start, until, db=db)  # same hours again: all recorded already
    assert len(first.runs) == 6 and second.runs == []  # 01:00 ... 06:00
    _assert_each_slot_once(ledger)
