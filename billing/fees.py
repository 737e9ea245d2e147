"""The weekly spend window (contact fees come from ``pros.selectors.contact_fee``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from marketplace.models import Marketplace


def week_start(*, marketplace: Marketplace, now: dt.datetime) -> dt.datetime:
    """Monday 00:00 of ``now``'s ISO week in the marketplace's time zone (an aware datetime)."""
    local = now.astimezone(ZoneInfo(marketplace.time_zone))
    monday = local.date() - dt.timedelta(days=local.weekday())
    return dt.datetime.combine(monday, dt.time.min, tzinfo=ZoneInfo(marketplace.time_zone))
