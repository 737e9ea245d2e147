"""Reads of the business-hours app: a pro's schedule as the clock's plain data."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from hours.clock import Schedule, working_deadline
from hours.models import Vacation, WorkingHours
from marketplace.models import Marketplace
from pros.models import Pro


def schedules_for(*, marketplace: Marketplace, pro_ids: list[int], since: dt.date | None = None) -> dict[int, Schedule]:
    """One schedule per pro (two queries for any number of pros). Vacations ending before
    ``since`` are left out."""
    tz = ZoneInfo(marketplace.time_zone)
    weekly: dict[int, dict[int, list[tuple[dt.time, dt.time]]]] = defaultdict(lambda: defaultdict(list))
    rows = WorkingHours.objects.filter(marketplace=marketplace, pro_id__in=pro_ids).order_by("weekday", "start")
    for pro_id, weekday, start, end in rows.values_list("pro_id", "weekday", "start", "end"):
        weekly[pro_id][weekday].append((start, end))
    vacations: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    holidays = Vacation.objects.filter(marketplace=marketplace, pro_id__in=pro_ids)
    if since is not None:
        holidays = holidays.filter(end_date__gte=since)
    for pro_id, start_date, end_date in holidays.values_list("pro_id", "start_date", "end_date"):
        vacations[pro_id].append((start_date, end_date))
    return {
        pro_id: Schedule(
            tz=tz,
            weekly={day: tuple(intervals) for day, intervals in weekly[pro_id].items()},
            vacations=tuple(vacations[pro_id]),
        )
        for pro_id in pro_ids
    }


def schedule_for_pro(pro: Pro, *, since: dt.date | None = None) -> Schedule:
    return schedules_for(marketplace=pro.marketplace, pro_ids=[pro.pk], since=since)[pro.pk]


def lead_deadline(
    *, marketplace: Marketplace, schedule: Schedule | None, now: dt.datetime, ttl_hours: int
) -> dt.datetime:
    """A new lead's deadline: ``now + ttl`` on the calendar clock; with the business-hours
    clock on and a pro that set its working hours, the TTL's share of the pro's working week
    counted in working time only (``hours.clock.working_deadline``), capped by the policy."""
    ttl = dt.timedelta(hours=ttl_hours)
    policy = marketplace.policy
    if not policy.business_hours_enabled or schedule is None:
        return now + ttl
    return working_deadline(schedule, now, ttl, cap=dt.timedelta(hours=policy.business_hours_cap_hours))


def pro_on_vacation(*, marketplace: Marketplace, pro: Pro, day: dt.date) -> bool:
    return pros_on_vacation(marketplace=marketplace, day=day).filter(pro=pro).exists()


def working_hours_of(queryset: QuerySet[WorkingHours], *, pro: Pro) -> QuerySet[WorkingHours]:
    return queryset.filter(pro=pro).order_by("weekday", "start")


def vacations_of(queryset: QuerySet[Vacation], *, pro: Pro) -> QuerySet[Vacation]:
    return queryset.filter(pro=pro).order_by("start_date", "pk")


def pros_on_vacation(*, marketplace: Marketplace, day: dt.date) -> QuerySet[Vacation]:
    """Vacation rows covering ``day`` (``.values("pro_id")`` for a subquery)."""
    return Vacation.objects.filter(marketplace=marketplace, start_date__lte=day, end_date__gte=day)
