"""A marketplace's calendar: its local days, as the people using it count them."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone


def local_today(*, marketplace) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(marketplace.time_zone)).date()


def local_day_bounds(*, marketplace, start_day: dt.date, end_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start of start_day, start of the day after end_day) in the marketplace's time zone, as aware datetimes."""
    tz = ZoneInfo(marketplace.time_zone)
    since = dt.datetime.combine(start_day, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return since, until


def local_isoformat(value: dt.datetime | None, *, marketplace) -> str:
    """An instant as the marketplace's local time with its UTC offset ('' for none)."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(marketplace.time_zone)).isoformat(timespec="seconds")
