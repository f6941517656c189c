"""A brief's schedule: a 5-field cron expression evaluated in an IANA zone.

cronsim does the cron arithmetic (it follows Debian cron on DST days, which is what users
expect from cron, systemd timers and GitHub Actions alike):

* a fixed time inside the skipped hour (02:30 on spring-forward day) runs once, at the
  transition instant (03:00 local);
* a fixed time inside the repeated hour (01:30 on fall-back day) runs once, at its first
  instant;
* a schedule with ``*`` in the hour field runs at each real instant (01:30 twice on
  fall-back day, 02:30 not at all on spring-forward day).

Slots are always handed out in UTC: the ledger keys on them, and UTC instants are unique
where local wall times are not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

class ScheduleError(ValueError):
    """A cron expression or zone name that cannot be used; the text says which and why."""


def parse_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"unknown time zone {name!r}") from exc


@dataclass(frozen=True)
class BriefSchedule:
    cron: str
    zone: ZoneInfo

    @classmethod
    def parse(cls, cron: str, zone_name: str) -> BriefSchedule:
        zone = parse_zone(zone_name)
        fields = cron.split()
        if len(fields) != 5:
            raise ScheduleError(f"{cron!r} has {len(fields)} fields; a schedule has exactly 5 (minute hour day month weekday)")
        try:
            CronSim(cron, datetime(2000, 1, 1, tzinfo=zone))
        except CronSimError as exc:
            raise ScheduleError(f"{cron!r} is not a valid cron expression ({exc})") from None
        return cls(cron=" ".join(fields), zone=zone)

    @property
    def timezone(self) -> str:
        return self.zone.key

    def slots_after(self, moment: datetime) -> Iterator[datetime]:
        """Slots strictly after ``moment``, in UTC, in order (an endless iterator)."""
        after = _as_utc(moment)
        for local in CronSim(self.cron, after.astimezone(self.zone)):
            slot = local.astimezone(UTC)
            # For fixed-time schedules cronsim walks wall-clock time; started inside the second
            # pass of a repeated hour it hands back that hour's first instant, already past.
            if slot > after:
                yield slot

    def slots_between(self, after: datetime, until: datetime) -> list[datetime]:
        """Slots in ``(after, until]``, oldest first."""
        limit = _as_utc(until)
        out: list[datetime] = []
        for slot in self.slots_after(after):
            if slot > limit:
                break
            out.append(slot)
        return out

    def latest_at_or_before(self, moment: datetime) -> datetime | None:
        """The newest slot at or before ``moment`` (None if the expression never matched)."""
        limit = _as_utc(moment)
        # cronsim's reverse mode yields slots strictly before its start, and on fall-back
        # days it may land on the repeated instant that forward iteration (the truth) skips:
        # it only finds a candidate, forward iteration from a day earlier decides.
        start = (limit.replace(second=0, microsecond=0) + timedelta(minutes=1)).astimezone(self.zone)
        candidate = next(iter(CronSim(self.cron, start, reverse=True)), None)
        if candidate is None:
            return None
        found = self.slots_between(candidate.astimezone(UTC) - timedelta(hours=26), limit)
        return found[-1] if found else candidate.astimezone(UTC)

    def next_runs(self, after: datetime, count: int) -> list[datetime]:
        """The next ``count`` run times after ``after``, in the brief's zone (with offset)."""
        out: list[datetime] = []
        for slot in self.slots_after(after):
            if len(out) >= count:
                break
            out.append(slot.astimezone(self.zone))
        return out

    def local(self, slot: datetime) -> datetime:
        return _as_utc(slot).astimezone(self.zone)


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give a zone")
    return moment.astimezone(UTC)


def slot_text(slot: datetime) -> str:
    """The canonical UTC spelling of a slot, used in run keys and the ledger."""
    return _as_utc(slot).strftime("%Y-%m-%dT%H:%MZ")
