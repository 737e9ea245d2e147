"""Revenue read from the ledger: per category of the request and per local week (Monday first).

Charges count in, refunds and credits count out; amounts stay integer minor units here (the
admin formats them). Reads only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from billing.models import LedgerEntry, LedgerKind
from marketplace.localtime import local_day_bounds


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def revenue_breakdown(*, marketplace, start: dt.date, end: dt.date, queryset=None) -> dict:
    """Charged, refunded (refunds and credits) and net per category and per week, local days
    ``start``..``end`` included. ``queryset``: ledger entries already filtered (the admin list)."""
    tz = ZoneInfo(marketplace.time_zone)
    since, until = local_day_bounds(marketplace=marketplace, start_day=start, end_day=end)
    entries = (queryset if queryset is not None else LedgerEntry.objects.all()).filter(
        marketplace=marketplace, created_at__gte=since, created_at__lt=until
    )
    rows = (
        entries.annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day", "kind", "lead__request__category_id", "lead__request__category__name")
        .annotate(total=Sum("amount"), n=Count("pk"))
        .order_by()
    )
    weeks = []
    cursor = week_start(start)
    while cursor <= end:
        weeks.append(cursor)
        cursor += dt.timedelta(days=7)
    empty = lambda: {"charged": 0, "refunded": 0, "net": 0, "count": 0}  # noqa: E731
    by_category: dict[tuple[int | None, str], dict[dt.date, dict]] = defaultdict(lambda: defaultdict(empty))
    by_week: dict[dt.date, dict] = defaultdict(empty)
    totals = empty()
    for row in rows:
        key = (row["lead__request__category_id"], row["lead__request__category__name"] or "—")
        week = week_start(row["day"])
        for bucket in (by_category[key][week], by_week[week], totals):
            if row["kind"] == LedgerKind.CHARGE:
                bucket["charged"] += row["total"]
                bucket["net"] += row["total"]
                bucket["count"] += row["n"]
            else:
                bucket["refunded"] += row["total"]
                bucket["net"] -= row["total"]
    categories = []
    for (category_id, name), per_week in sorted(by_category.items(), key=lambda item: item[0][1]):
        total = empty()
        for figures in per_week.values():
            for field in total:
                total[field] += figures[field]
        categories.append(
            {
                "id": category_id,
                "name": name,
                "weeks": [per_week.get(week, empty()) for week in weeks],
                "total": total,
            }
        )
    return {
        "weeks": weeks,
        "categories": categories,
        "week_totals": [by_week.get(week, empty()) for week in weeks],
        "total": totals,
    }
