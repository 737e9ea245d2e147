"""The business-hours clock: how much working time lies between two instants for one pro,
and when a given amount of working time runs out.

A ``Schedule`` is the pro's week as wall-clock intervals in the marketplace's time zone plus
its vacation dates. Every instant in and out is an aware UTC datetime; each working interval
is turned into UTC on its own date, so a daylight-saving change is honoured exactly (a
00:00-12:00 interval on the spring-forward day lasts 11 real hours, on the fall-back day 13).
Pure functions over plain data: no database access, so callers load the schedule once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

WEEK = dt.timedelta(days=7)
_SCAN_LIMIT_DAYS = 800  # a schedule whose week is empty or all vacation never yields forever


@dataclass(frozen=True)
class Schedule:
    tz: ZoneInfo
    weekly: dict[int, tuple[tuple[dt.time, dt.time], ...]]  # weekday (Mon=0) → intervals
    vacations: tuple[tuple[dt.date, dt.date], ...] = field(default=())

    @property
    def has_hours(self) -> bool:
        return any(self.weekly.values())

    def weekly_working(self) -> dt.timedelta:
        """Nominal working time per week (wall clock)."""
        total = dt.timedelta()
        for intervals in self.weekly.values():
            for start, end in intervals:
                total += dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)
        return total

    def on_vacation(self, day: dt.date) -> bool:
        return any(start <= day <= end for start, end in self.vacations)


def _utc(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)


def working_intervals(schedule: Schedule, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Working intervals (UTC) from ``start`` on, clipped at ``start``, in order."""
    day = start.astimezone(schedule.tz).date() - dt.timedelta(days=1)  # an interval may straddle UTC midnight
    for _ in range(_SCAN_LIMIT_DAYS):
        if not schedule.on_vacation(day):
            for local_start, local_end in schedule.weekly.get(day.weekday(), ()):
                begin, end = _utc(day, local_start, schedule.tz), _utc(day, local_end, schedule.tz)
                if end > start:
                    yield max(begin, start), end
        day += dt.timedelta(days=1)


def working_deadline(schedule: Schedule, start: dt.datetime, ttl: dt.timedelta, cap: dt.timedelta) -> dt.datetime:
    """When a lead offered at ``start`` with calendar TTL ``ttl`` is due: the TTL's share of a
    168-hour week, applied to the pro's working week (72 h = 3/7 of a week = 3/7 of the pro's
    working hours), counted in working time only, and never later than ``start + cap``."""
    if not schedule.has_hours:
        return start + ttl
    budget = ttl * (schedule.weekly_working() / WEEK)
    limit = start + cap
    for begin, end in working_intervals(schedule, start):
        if begin >= limit:
            break
        if end - begin >= budget:
            return min(begin + budget, limit)
        budget -= end - begin
    return limit


def working_time_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time in [start, end)."""
    total = dt.timedelta()
    if end <= start:
        return total
    for begin, finish in working_intervals(schedule, start):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total


def is_working(schedule: Schedule, at: dt.datetime) -> bool:
    return any(begin <= at for begin, _ in _first(working_intervals(schedule, at)))


def next_working_start(schedule: Schedule, at: dt.datetime) -> dt.datetime | None:
    """``at`` itself if within working hours, else the start of the next working interval."""
    for begin, _ in _first(working_intervals(schedule, at)):
        return begin
    return None


def _first(intervals: Iterator[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    for interval in intervals:
        return [interval]
    return []
