"""Reads of the push app: a user's devices, channels per event and whether it is quiet now."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from marketplace.models import User
from push.events import CHANNELS, EVENTS
from push.models import Device, NotificationSettings, QuietHoursMode


def devices_of(queryset: QuerySet[Device], *, user: User) -> QuerySet[Device]:
    return queryset.filter(user=user).order_by("-created_at", "-pk")


def channels_effective(notification_settings: NotificationSettings | None) -> dict[str, dict[str, bool]]:
    """Every event with every channel: what the user chose, else on."""
    chosen = notification_settings.channels if notification_settings else {}
    return {
        event: {channel: bool(chosen.get(event, {}).get(channel, True)) for channel in CHANNELS} for event in EVENTS
    }


def channel_on(notification_settings: NotificationSettings | None, *, event: str, channel: str) -> bool:
    chosen = notification_settings.channels if notification_settings else {}
    return bool(chosen.get(event, {}).get(channel, True))


def quiet_now(notification_settings: NotificationSettings | None, *, tz: ZoneInfo, at: dt.datetime) -> bool:
    """Is it the user's quiet time at ``at``? Custom hours wrap past midnight (21:00-08:00);
    ``outside_working_hours`` is quiet whenever the pro's business-hours schedule is not
    working (and never for a pro that set no working hours)."""
    if notification_settings is None or notification_settings.quiet_hours == QuietHoursMode.OFF:
        return False
    if notification_settings.quiet_hours == QuietHoursMode.CUSTOM:
        start, end = notification_settings.quiet_start, notification_settings.quiet_end
        if start is None or end is None or start == end:
            return False
        local = at.astimezone(tz).time()
        return start <= local < end if start < end else (local >= start or local < end)
    from hours.clock import is_working
    from hours.selectors import schedule_for_pro

    pro = notification_settings.user.pro
    if pro is None:
        return False
    schedule = schedule_for_pro(pro)
    return schedule.has_hours and not is_working(schedule, at)
