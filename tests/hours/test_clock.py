"""The business-hours clock on plain data: working time, deadlines, vacations, DST."""

import datetime as dt
from zoneinfo import ZoneInfo

from hours.clock import Schedule, is_working, next_working_start, working_deadline, working_time_between

TORONTO = ZoneInfo("America/Toronto")
UTC = dt.UTC
NINE_TO_FIVE = ((dt.time(9), dt.time(17)),)
WEEKDAYS = {day: NINE_TO_FIVE for day in range(5)}
WEEK = dt.timedelta(days=7)
CAP = dt.timedelta(hours=168)


def local(*args):
    return dt.datetime(*args, tzinfo=TORONTO)


def test_a_friday_evening_lead_runs_only_in_monday_working_hours():
    schedule = Schedule(tz=TORONTO, weekly=WEEKDAYS)
    friday_evening = local(2026, 11, 27, 18)
    # 24 h is 1/7 of a week; 1/7 of a 40-hour week is 5 h 42 m 51.4 s of working time.
    deadline = working_deadline(schedule, friday_evening, dt.timedelta(hours=24), CAP)
    budget = dt.timedelta(hours=40) / 7
    assert deadline == local(2026, 11, 30, 9) + budget
    assert working_time_between(schedule, friday_evening, deadline) == budget
    assert working_time_between(schedule, friday_evening, local(2026, 11, 30, 0)) == dt.timedelta()
    assert not is_working(schedule, local(2026, 11, 28, 12))
    assert next_working_start(schedule, friday_evening) == local(2026, 11, 30, 9)


def test_the_72_hour_new_lead_is_72_hours_share_of_the_working_week():
    schedule = Schedule(tz=TORONTO, weekly=WEEKDAYS)
    monday = local(2026, 11, 30, 9)
    deadline = working_deadline(schedule, monday, dt.timedelta(hours=72), CAP)
    assert working_time_between(schedule, monday, deadline) == dt.timedelta(hours=40) * 72 / 168
    assert deadline == local(2026, 12, 2, 10, 8, 34, 285714)  # 17 h 8 m 34.3 s: Mon 8 h, Tue 8 h, Wed 1 h 8 m


def test_the_cap_limits_a_deadline_in_calendar_time():
    tiny = Schedule(tz=TORONTO, weekly={0: ((dt.time(9), dt.time(10)),)})  # one hour a week
    start = local(2026, 11, 30, 10)
    assert working_deadline(tiny, start, dt.timedelta(hours=168), dt.timedelta(hours=48)) == start + dt.timedelta(
        hours=48
    )


def test_a_pro_without_working_hours_is_on_the_calendar_clock():
    start = local(2026, 11, 27, 18)
    assert working_deadline(
        Schedule(tz=TORONTO, weekly={}), start, dt.timedelta(hours=24), CAP
    ) == start + dt.timedelta(hours=24)


def test_vacation_days_hold_no_working_time():
    schedule = Schedule(tz=TORONTO, weekly=WEEKDAYS, vacations=((dt.date(2026, 11, 30), dt.date(2026, 12, 1)),))
    friday_evening = local(2026, 11, 27, 18)
    deadline = working_deadline(schedule, friday_evening, dt.timedelta(hours=24), CAP)
    assert deadline == local(2026, 12, 2, 9) + dt.timedelta(hours=40) / 7  # Monday and Tuesday off


def test_daylight_saving_changes_count_real_hours():
    midnight_to_noon = {day: ((dt.time(0), dt.time(12)),) for day in range(7)}
    schedule = Schedule(tz=TORONTO, weekly=midnight_to_noon)
    # 2026-11-01: clocks go back at 02:00, so 00:00-12:00 lasts 13 real hours; 2026-03-08: 11.
    assert working_time_between(schedule, local(2026, 10, 31, 12), local(2026, 11, 2, 0)) == dt.timedelta(hours=13)
    assert working_time_between(schedule, local(2026, 3, 7, 12), local(2026, 3, 9, 0)) == dt.timedelta(hours=11)


def test_a_deadline_across_a_dst_weekend_lands_on_the_same_wall_clock_time():
    schedule = Schedule(tz=TORONTO, weekly=WEEKDAYS)
    for friday in (local(2026, 10, 30, 16), local(2026, 3, 6, 16)):  # before fall-back, before spring-forward
        deadline = working_deadline(schedule, friday, WEEK * (2 / 40), CAP)  # two working hours
        assert deadline.astimezone(TORONTO).replace(tzinfo=None) == (friday + dt.timedelta(days=3)).replace(
            hour=10, tzinfo=None
        )
        assert working_time_between(schedule, friday, deadline) == dt.timedelta(hours=2)


def test_intervals_straddling_utc_midnight_are_found():
    taipei = ZoneInfo("Asia/Taipei")  # 06:00-09:00 Taipei is 22:00-01:00 UTC the day before
    schedule = Schedule(tz=taipei, weekly={day: ((dt.time(6), dt.time(9)),) for day in range(7)})
    start = dt.datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # 07:00 Taipei on the 2nd
    assert is_working(schedule, start)
    assert working_time_between(schedule, start, start + dt.timedelta(hours=5)) == dt.timedelta(hours=2)
