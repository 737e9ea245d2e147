"""The marketplace dashboard: the numbers an operator starts the day with.

Every figure is counted in the marketplace's local days (weeks start on Monday) and comes with
the admin list that shows the rows behind it, filtered the same way. Reads only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from billing.models import DisputeStatus, LeadDispute, LedgerEntry, LedgerKind
from console.charts import bar_chart_svg
from console.formatting import money_text
from leads.models import DeliveryStatus, Lead, LeadStatus, Notification, QuoteRequest
from pros.models import Pro

EXPIRING_HOURS = 6
CHART_DAYS = 14


@dataclass(frozen=True)
class Period:
    label: StrOrPromise
    since: dt.datetime
    until: dt.datetime


def _midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def periods(*, marketplace, now: dt.datetime) -> dict[str, tuple[Period, Period]]:
    """Today, this week and this month (so far), each with the whole period before it."""
    tz = ZoneInfo(marketplace.time_zone)
    today = now.astimezone(tz).date()
    week_start = today - dt.timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    previous_month_start = (month_start - dt.timedelta(days=1)).replace(day=1)
    tomorrow = _midnight(today + dt.timedelta(days=1), tz)
    return {
        "today": (
            Period(_("today"), _midnight(today, tz), tomorrow),
            Period(_("yesterday"), _midnight(today - dt.timedelta(days=1), tz), _midnight(today, tz)),
        ),
        "week": (
            Period(_("this week"), _midnight(week_start, tz), tomorrow),
            Period(_("last week"), _midnight(week_start - dt.timedelta(days=7), tz), _midnight(week_start, tz)),
        ),
        "month": (
            Period(_("this month"), _midnight(month_start, tz), tomorrow),
            Period(_("last month"), _midnight(previous_month_start, tz), _midnight(month_start, tz)),
        ),
    }


def admin_list_url(model_label: str, **params) -> str:
    """The admin list of a model (``app_label_model``) filtered by ``params``."""
    url = reverse(f"admin:{model_label}_changelist")
    values = {name: str(value) for name, value in params.items() if value is not None}
    return f"{url}?{urlencode(values)}" if values else url


def _range(field: str, period: Period) -> dict[str, str]:
    return {f"{field}__gte": str(period.since), f"{field}__lt": str(period.until)}


def _revenue(marketplace, period: Period) -> dict[str, int]:
    rows = (
        LedgerEntry.objects.filter(marketplace=marketplace, created_at__gte=period.since, created_at__lt=period.until)
        .values("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    totals = {row["kind"]: row["total"] or 0 for row in rows}
    charged = totals.get(LedgerKind.CHARGE, 0)
    refunded = totals.get(LedgerKind.REFUND, 0) + totals.get(LedgerKind.CREDIT, 0)
    return {"charged": charged, "refunded": refunded, "net": charged - refunded}


def _change(current: int, previous: int) -> str:
    if not previous:
        return "—" if not current else str(_("new"))
    percent = (current - previous) * 100 / previous
    return f"{percent:+.0f}%"


def dashboard_for(*, marketplace, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    currency = marketplace.currency
    spans = periods(marketplace=marketplace, now=now)
    requests = QuoteRequest.objects.filter(marketplace=marketplace)
    leads = Lead.objects.filter(marketplace=marketplace)

    activity = []
    for key in ("today", "week"):
        period = spans[key][0]
        activity.append(
            {
                "label": period.label,
                "requests": requests.filter(created_at__gte=period.since, created_at__lt=period.until).count(),
                "requests_url": admin_list_url("leads_quoterequest", **_range("created_at", period)),
                "offered": leads.filter(created_at__gte=period.since, created_at__lt=period.until).count(),
                "offered_url": admin_list_url("leads_lead", **_range("created_at", period)),
                "answered": leads.filter(responded_at__gte=period.since, responded_at__lt=period.until).count(),
                "answered_url": admin_list_url("leads_lead", answered="yes", **_range("responded_at", period)),
                "expired": leads.filter(
                    status=LeadStatus.EXPIRED, deadline__gte=period.since, deadline__lt=period.until
                ).count(),
                "expired_url": admin_list_url("leads_lead", status__exact="expired", **_range("deadline", period)),
            }
        )

    expiring = leads.filter(
        status=LeadStatus.PENDING, deadline__gte=now, deadline__lt=now + dt.timedelta(hours=EXPIRING_HOURS)
    ).count()

    disputes = LeadDispute.objects.filter(marketplace=marketplace, status=DisputeStatus.OPEN).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    oldest_age = now - disputes["oldest"] if disputes["oldest"] else None

    month = spans["month"][0]
    credits = (
        LedgerEntry.objects.filter(
            marketplace=marketplace,
            kind__in=[LedgerKind.REFUND, LedgerKind.CREDIT],
            created_at__gte=month.since,
            created_at__lt=month.until,
        )
        .values("kind", "memo")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("-total")[:10]
    )

    pros = Pro.objects.filter(marketplace=marketplace)
    revenue = []
    for key in ("today", "week", "month"):
        current, previous = spans[key]
        now_figures, before_figures = _revenue(marketplace, current), _revenue(marketplace, previous)
        revenue.append(
            {
                "label": current.label,
                "previous_label": previous.label,
                **{name: money_text(value, currency) for name, value in now_figures.items()},
                **{f"previous_{name}": money_text(value, currency) for name, value in before_figures.items()},
                "net_change": _change(now_figures["net"], before_figures["net"]),
                "url": admin_list_url("billing_ledgerentry", **_range("created_at", current)),
            }
        )

    week_ago = now - dt.timedelta(days=7)
    notifications = Notification.objects.filter(marketplace=marketplace, created_at__gte=week_ago)
    failures = {
        "email": notifications.filter(email_status=DeliveryStatus.FAILED).count(),
        "webhook": notifications.filter(webhook_status=DeliveryStatus.FAILED).count(),
        "email_url": admin_list_url("leads_notification", email_status__exact="failed"),
        "webhook_url": admin_list_url("leads_notification", webhook_status__exact="failed"),
    }

    return {
        "marketplace": marketplace,
        "currency": currency,
        "activity": activity,
        "expiring": {
            "hours": EXPIRING_HOURS,
            "count": expiring,
            "url": admin_list_url("leads_lead", expiring=str(EXPIRING_HOURS)),
        },
        "disputes": {
            "open": disputes["count"],
            "oldest_days": oldest_age.days if oldest_age is not None else None,
            "oldest_hours": int(oldest_age.total_seconds() // 3600) if oldest_age is not None else None,
            "url": admin_list_url("billing_leaddispute", status__exact="open"),
        },
        "credits": [
            {**row, "total_text": money_text(row["total"], currency), "label": row["memo"] or row["kind"]}
            for row in credits
        ],
        "credits_url": admin_list_url("billing_ledgerentry", kind__in="refund,credit", **_range("created_at", month)),
        "standing": {
            "demoted": pros.filter(demoted=True).count(),
            "demoted_url": admin_list_url("ranking_proranking", demoted__exact="1"),
            "at_risk": pros.filter(standing__at_risk=True, demoted=False).count(),
            "at_risk_url": admin_list_url("ranking_proranking", standing__at_risk__exact="1"),
        },
        "revenue": revenue,
        "failures": failures,
        "charts": _charts(marketplace=marketplace, now=now),
    }


def _charts(*, marketplace, now: dt.datetime) -> dict:
    """Requests and net revenue per local day over the last two weeks."""
    tz = ZoneInfo(marketplace.time_zone)
    today = now.astimezone(tz).date()
    days = [today - dt.timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    since = _midnight(days[0], tz)
    per_day_requests = dict(
        QuoteRequest.objects.filter(marketplace=marketplace, created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_day_net: dict[dt.date, int] = {}
    for day, charged, back in (
        LedgerEntry.objects.filter(marketplace=marketplace, created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values_list("day")
        .annotate(
            charged=Sum("amount", filter=Q(kind=LedgerKind.CHARGE), default=0),
            back=Sum("amount", filter=~Q(kind=LedgerKind.CHARGE), default=0),
        )
        .order_by()
    ):
        per_day_net[day] = charged - back
    return {
        "requests": bar_chart_svg(
            [(f"{day:%m-%d}", per_day_requests.get(day, 0), str(per_day_requests.get(day, 0))) for day in days],
            label=_("Requests per day"),
        ),
        "revenue": bar_chart_svg(
            [
                (f"{day:%m-%d}", per_day_net.get(day, 0), money_text(per_day_net.get(day, 0), marketplace.currency))
                for day in days
            ],
            label=_("Net fees per day"),
            colour="#2ca02c",
        ),
    }
