"""Demo working weeks: formosa runs the business-hours clock (PRO360 in Taiwan), so its pros
work Monday to Friday 09:00-18:00 and Saturday 09:00-12:00 (Asia/Taipei)."""

import datetime as dt

from hours.models import WorkingHours
from marketplace.models import Marketplace
from pros.models import Pro

WEEK = [(day, dt.time(9), dt.time(18)) for day in range(5)] + [(5, dt.time(9), dt.time(12))]


def seed(marketplace: Marketplace) -> None:
    if not marketplace.policy.business_hours_enabled:
        return
    without = Pro.objects.filter(marketplace=marketplace).exclude(working_hours__isnull=False)
    WorkingHours.objects.bulk_create(
        WorkingHours(marketplace=marketplace, pro=pro, weekday=day, start=start, end=end)
        for pro in without
        for day, start, end in WEEK
    )
