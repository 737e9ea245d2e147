"""Writes of the business-hours app: a pro's week (replaced whole) and its vacations."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from hours.models import Vacation, WorkingHours
from marketplace.errors import Invalid
from pros.models import Pro


class Interval(TypedDict):
    weekday: int
    start: dt.time
    end: dt.time


def _invalid(field: str, message: StrOrPromise) -> Invalid:
    return Invalid(fields={field: [message]})


@transaction.atomic
def working_hours_replace(*, pro: Pro, intervals: list[Interval]) -> list[WorkingHours]:
    """Replace the pro's week. An interval that runs backwards, or two that overlap on one
    weekday, is 400 naming ``hours[i]``; an empty list clears the week (the clock then
    counts calendar time for this pro)."""
    for index, interval in enumerate(intervals):
        if interval["end"] <= interval["start"]:
            raise _invalid(f"hours[{index}]", _("end must be after start (no interval crosses midnight)."))
    ordered = sorted(enumerate(intervals), key=lambda item: (item[1]["weekday"], item[1]["start"]))
    for (_before_index, before), (index, after) in zip(ordered, ordered[1:], strict=False):
        if before["weekday"] == after["weekday"] and after["start"] < before["end"]:
            raise _invalid(f"hours[{index}]", _("overlaps another interval on the same weekday."))
    Pro.objects.select_for_update().filter(pk=pro.pk).first()  # one writer per pro's week
    WorkingHours.objects.filter(pro=pro).delete()
    return WorkingHours.objects.bulk_create(
        WorkingHours(marketplace_id=pro.marketplace_id, pro=pro, **interval) for _index, interval in ordered
    )


def vacation_create(*, pro: Pro, start_date: dt.date, end_date: dt.date, note: str = "") -> Vacation:
    if end_date < start_date:
        raise _invalid("end_date", _("A vacation cannot end before it starts."))
    return Vacation.objects.create(
        marketplace_id=pro.marketplace_id, pro=pro, start_date=start_date, end_date=end_date, note=note
    )


def vacation_delete(*, vacation: Vacation) -> None:
    vacation.delete()
