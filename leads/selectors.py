"""Reads of the lead lifecycle. The marketplace is always an explicit argument."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from hours.clock import Schedule, is_working, working_time_between
from hours.selectors import schedules_for

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from leads.inbox import LeadRow

from leads.models import Lead, LeadKind, LeadStatus, Notification, QuoteRequest
from leads.state import effective_status_expression, open_leads_q
from marketplace.models import Marketplace, User
from pros.models import Pro


class LeadAnnotations(TypedDict):
    effective_status: str
    offered_count: int
    accepted_count: int


def _offer_counts() -> dict:
    """How many pros were offered the job and how many have accepted so far (transparency)."""
    return {
        "offered_count": Count("request__leads", distinct=True),
        "accepted_count": Count("request__leads", filter=Q(request__leads__status=LeadStatus.ACCEPTED), distinct=True),
    }


def lead_list_for_pro(
    queryset: QuerySet[Lead],
    *,
    pro: Pro,
    status: str | None = None,
    kind: str | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Lead]:
    """The pro's leads, newest first, each with ``effective_status`` (an overdue pending lead
    reads expired), filtered by that status and by kind. The inbox's page reads the same
    leads in one hand-written statement (``leads.inbox``)."""
    now = now or timezone.now()
    leads = (
        queryset.filter(pro=pro)
        .select_related("request", "request__category")
        .annotate(effective_status=effective_status_expression(now))
        .order_by("-created_at", "-pk")
    )
    if status:
        leads = leads.filter(effective_status=status)
    if kind:
        leads = leads.filter(kind=kind)
    return leads


def lead_queryset_for_pro(
    queryset: QuerySet[Lead], *, pro: Pro, now: dt.datetime | None = None
) -> QuerySet[WithAnnotations[Lead, LeadAnnotations]]:
    """The pro's leads, newest first, each with ``effective_status`` (an overdue pending lead
    reads expired) and the offer counts, grouped in the same statement: for one lead or an
    export; a page of the inbox is read by ``leads.inbox``."""
    leads = lead_list_for_pro(queryset, pro=pro, now=now).annotate(**_offer_counts())
    return cast("QuerySet[WithAnnotations[Lead, LeadAnnotations]]", leads)


def request_queryset_for_homeowner(
    queryset: QuerySet[QuoteRequest], *, homeowner: User, now: dt.datetime | None = None
) -> QuerySet[QuoteRequest]:
    """The homeowner's requests with their leads (effective status) in two queries."""
    now = now or timezone.now()
    in_time = Lead.objects.filter(open_leads_q(now), request_id=OuterRef("pk"))
    leads = (
        Lead.objects.select_related("pro")
        .annotate(effective_status=effective_status_expression(now))
        .order_by("kind", "rank_position", "pk")
    )
    return (
        queryset.filter(homeowner=homeowner)
        .select_related("category")
        .annotate(has_open_leads=Exists(in_time))
        .prefetch_related(Prefetch("leads", queryset=leads))
        .order_by("-created_at", "-pk")
    )


def notifications_for_pro(queryset: QuerySet[Notification], *, pro: Pro) -> QuerySet[Notification]:
    return queryset.filter(pro=pro).order_by("-created_at", "-pk")


def reviewable_jobs(*, homeowner: User, pro: Pro) -> QuerySet[Lead]:
    """``pros.hooks.reviewable_jobs``: the homeowner's jobs with this pro that are a real
    connection (DESIGN.md Rule 16), oldest first — accepted leads where the homeowner marked
    the pro hired, the pro sent an auto-quote, or the pro paid a non-zero contact fee (the
    accept completed: contact revealed). A free accept is not one: a pro could otherwise
    accept its own sock puppet's requests at no cost and review itself up."""
    return Lead.objects.filter(
        Q(request__hired_pro=pro) | Q(kind=LeadKind.PROMOTION) | Q(fee_amount__gt=0, contact_revealed_at__isnull=False),
        marketplace_id=pro.marketplace_id,
        pro=pro,
        request__homeowner=homeowner,
        status=LeadStatus.ACCEPTED,
    ).order_by("created_at", "pk")


def lead_schedule(*, lead: Lead, marketplace: Marketplace | None = None) -> Schedule | None:
    """The pro's working week when the lead's marketplace runs the business-hours clock and
    the pro set one; else None (the calendar clock). ``marketplace``: the lead's, when the
    caller has it loaded with its policy (the request's); otherwise it is read."""
    if marketplace is None or marketplace.pk != lead.marketplace_id:
        marketplace = Marketplace.objects.select_related("policy").get(pk=lead.marketplace_id)
    return pro_clock_schedule(marketplace=marketplace, pro_id=lead.pro_id)


def pro_clock_schedule(*, marketplace: Marketplace, pro_id: int) -> Schedule | None:
    """``lead_schedule`` for the pro's leads in this marketplace (its policy loaded): no
    statement on the calendar clock."""
    if not marketplace.policy.business_hours_enabled:
        return None
    schedule = schedules_for(marketplace=marketplace, pro_ids=[pro_id])[pro_id]
    return schedule if schedule.has_hours else None


def lead_clock(*, lead: Lead | LeadRow, schedule: Schedule | None, now: dt.datetime) -> dict:
    """Calendar and working time left until a pending lead's deadline (None once answered)."""
    status = getattr(lead, "effective_status", lead.status)
    basis = "working_hours" if schedule is not None else "calendar"
    if status != LeadStatus.PENDING or lead.deadline is None:
        return {"basis": basis, "seconds_left": None, "working_seconds_left": None, "working_now": None}
    left = max(lead.deadline - now, dt.timedelta())
    if schedule is None:
        seconds = int(left.total_seconds())
        return {"basis": basis, "seconds_left": seconds, "working_seconds_left": seconds, "working_now": None}
    working = working_time_between(schedule, now, lead.deadline)
    return {
        "basis": basis,
        "seconds_left": int(left.total_seconds()),
        "working_seconds_left": int(working.total_seconds()),
        "working_now": is_working(schedule, now),
    }
