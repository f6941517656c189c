"""Times shown to people in their own zone; everything stored stays UTC.

The zone is ``BRIEFBOT_TIMEZONE`` (an IANA name such as ``Asia/Seoul``) or, unset, the
system's local zone (``TZ`` / ``/etc/localtime``). Every shown time carries its zone's
abbreviation, so "09:05 KST" cannot be mistaken for UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def check_zone_name(name: str) -> str:
    """``name`` if it is a time zone this machine knows; ValueError (a settings error) otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Asia/Seoul, Europe/Berlin or UTC") from None
    return name


class DisplayZone:
    def __init__(self, zone: tzinfo | None = None) -> None:
        # None: the system zone, looked up per moment so that each date gets its own DST offset.
        self.zone = zone

    @classmethod
    def named(cls, name: str | None) -> DisplayZone:
        return cls(ZoneInfo(name) if name else None)

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # naive means UTC, as stored
        return moment.astimezone(self.zone) if self.zone is not None else moment.astimezone()

    def minute(self, moment: datetime) -> str:
        """``2026-11-29 09:05 KST``: for tables and transcripts."""
        local = self.local(moment)
        return f"{local:%Y-%m-%d %H:%M} {local.tzname() or local.strftime('%z')}"

    def day(self, moment: datetime) -> str:
        return f"{self.local(moment):%Y-%m-%d}"

    def start_of_day(self, day: datetime) -> datetime:
        """Midnight of ``day``'s date in this zone, as an aware datetime (for ``--since``)."""
        midnight = datetime(day.year, day.month, day.day)
        return midnight.replace(tzinfo=self.zone) if self.zone is not None else midnight.astimezone()

    def describe(self) -> str:
        """The zone's name for headers: ``Asia/Seoul``, or the system zone's abbreviation now."""
        if self.zone is not None:
            return str(self.zone)
        return f"system zone {datetime.now().astimezone().tzname()}"
