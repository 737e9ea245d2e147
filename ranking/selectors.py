"""Reads behind a pro's stats: the leads behind its figure, its counts, rank breakdown,
position and history. Every function takes the marketplace explicitly.

``GET /pro/stats/`` is a display: nothing here decides money or a lead's state, so its bulk
reads — the window's leads and their counts, the pro's main category and area, its position
in the public list, and the snapshot history — go to the read replica when one is configured
(``marketplace.db_routers``; a little replication lag is harmless on a dashboard). Outside a
transaction only: inside one (``read_alias()`` and the router both check) they stay on the
primary. The policies, which are the rules themselves, are read from the primary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from hours.clock import Schedule, working_time_between
from hours.selectors import schedule_for_pro
from leads.models import Lead, LeadKind, LeadStatus
from marketplace.db_routers import read_alias, read_as_of, replica_reads
from marketplace.localtime import local_today
from marketplace.models import Marketplace, MarketplacePolicy
from marketplace.selectors import marketplace_policy
from pros.models import Category, Pro, ProArea, Service
from pros.selectors import pro_public_list
from ranking.models import ProDailySnapshot, ProStanding, RankingPolicy
from ranking.rules import (
    COUNTS_MISSED,
    COUNTS_NOT_COUNTED,
    COUNTS_PENDING,
    COUNTS_RESPONDED,
    Factor,
    ResponseCounts,
    is_at_risk,
    is_below_threshold,
    missed_q,
    rank_breakdown,
    responded_q,
    response_rate,
    responses_to_lift,
)


def pro_window_leads(*, marketplace: Marketplace, pro: Pro, policy: MarketplacePolicy, now: dt.datetime) -> QuerySet:
    """The pro's ``new``/``matched`` leads received in the window, newest first, each with how
    it counts in the response rate (``counts_as``). Read from the replica when there is one."""
    since = now - dt.timedelta(days=policy.response_window_days)
    return (
        Lead.objects.using(read_alias())
        .filter(marketplace=marketplace, pro=pro, kind__in=[LeadKind.NEW, LeadKind.MATCHED], created_at__gte=since)
        .annotate(
            counts_as=Case(
                When(responded_q(), then=Value(COUNTS_RESPONDED)),
                When(missed_q(now), then=Value(COUNTS_MISSED)),
                When(status=LeadStatus.PENDING, then=Value(COUNTS_PENDING)),
                default=Value(COUNTS_NOT_COUNTED),
                output_field=CharField(),
            )
        )
        .order_by("-created_at", "-pk")
    )


def pro_response_counts(*, leads: QuerySet) -> ResponseCounts:
    """One aggregate over ``pro_window_leads``."""
    totals = leads.order_by().aggregate(
        responded=Count("pk", filter=Q(counts_as=COUNTS_RESPONDED)),
        missed=Count("pk", filter=Q(counts_as=COUNTS_MISSED)),
        pending=Count("pk", filter=Q(counts_as=COUNTS_PENDING)),
        not_counted=Count("pk", filter=Q(counts_as=COUNTS_NOT_COUNTED)),
    )
    return ResponseCounts(totals["responded"], totals["missed"], totals["pending"], totals["not_counted"])


def pro_main_category_and_area(*, marketplace: Marketplace, pro: Pro) -> tuple[Category | None, str | None]:
    """The pro's first active service's category, and its first service area (the pro's own
    areas, else that service's condition areas). Read from the replica when there is one."""
    with replica_reads():
        service = (
            Service.objects.filter(marketplace=marketplace, pro=pro, is_active=True)
            .select_related("category")
            .order_by("pk")
            .first()
        )
        areas = ProArea.objects.filter(marketplace=marketplace, pro=pro).order_by("pk")
        area = areas.values_list("area", flat=True).first()
    if area is None and service is not None and service.condition_areas:
        area = str(service.condition_areas[0])
    return (service.category if service else None), area


def pro_rank_position(
    *, marketplace: Marketplace, pro: Pro, category: Category | None, area: str | None
) -> tuple[int | None, int] | None:
    """(position, of) in the public pro list for ``category`` and ``area`` (the same query and
    order as ``GET /api/v1/pros/``); position is None while the pro is not listed (paused).
    Read from the replica when there is one."""
    if category is None or area is None:
        return None
    ahead = (
        Q(rank_score__gt=pro.rank_score)
        | Q(rank_score=pro.rank_score, star_score__gt=pro.star_score)
        | Q(rank_score=pro.rank_score, star_score=pro.star_score, review_count__gt=pro.review_count)
        | Q(rank_score=pro.rank_score, star_score=pro.star_score, review_count=pro.review_count, pk__lt=pro.pk)
    )
    with replica_reads():  # the list selects its serving pros eagerly: build it inside too
        listed = pro_public_list(marketplace=marketplace, category=category, area=area)
        totals = listed.order_by().aggregate(
            of=Count("pk"), ahead=Count("pk", filter=ahead), me=Count("pk", filter=Q(pk=pro.pk))
        )
    return (totals["ahead"] + 1 if totals["me"] else None), totals["of"]


def ranking_policy_read(*, marketplace: Marketplace) -> RankingPolicy:
    """The marketplace's rank weights for reading: the saved row, or the defaults unsaved."""
    return RankingPolicy.objects.filter(marketplace=marketplace).first() or RankingPolicy(marketplace=marketplace)


def pro_snapshots(*, marketplace: Marketplace, pro: Pro, days: int = 90) -> QuerySet:
    """Daily snapshots of the last ``days`` local days (the marketplace's calendar, as the
    rollup dates them), newest first. Read from the replica when there is one."""
    since = local_today(marketplace=marketplace) - dt.timedelta(days=days)
    return (
        ProDailySnapshot.objects.using(read_alias())
        .filter(marketplace=marketplace, pro=pro, day__gte=since)
        .order_by("-day")
    )


# --- the pro's stats page, in one read ---------------------------------------------------

STATS_LEADS_CAP = 200
HISTORY_DAYS = 90
CONNECTIONS_URL = "/api/v1/pro/connections/"


@dataclass(frozen=True)
class ResponseRateStats:
    rate: Decimal | None
    responded: int
    due: int
    missed: int
    pending_in_time: int
    not_counted: int
    median_response_seconds: int | None
    threshold: Decimal
    window_days: int
    min_sample: int


@dataclass(frozen=True)
class DemotionStats:
    enabled: bool
    demoted: bool
    since: dt.datetime | None
    factor: Decimal
    at_risk: bool
    responses_to_lift: int | None
    reason: str


@dataclass(frozen=True)
class RankPosition:
    category: Category | None
    area: str | None
    position: int | None
    of: int | None


@dataclass(frozen=True)
class RankStats:
    score: float
    computed_at: dt.datetime | None
    factors: list[Factor]
    score_before_demotion: float
    demotion_multiplier: float
    position: RankPosition


@dataclass(frozen=True)
class StatsLeads:
    count: int
    truncated: bool
    results: list[Lead]


@dataclass(frozen=True)
class ProStats:
    """Everything ``GET /pro/stats/`` shows: Rule 6 figures, demotion, Rule 7 breakdown, history."""

    as_of: dt.datetime
    response_rate: ResponseRateStats
    demotion: DemotionStats
    rank: RankStats
    history: list[ProDailySnapshot]
    leads: StatsLeads
    clock: dict
    connections_url: str = CONNECTIONS_URL


def pro_stats(*, marketplace: Marketplace, pro_id: int, now: dt.datetime | None = None) -> ProStats | None:
    """The pro's stats page; None when the pro is not in this marketplace."""
    pro = Pro.objects.filter(marketplace=marketplace, pk=pro_id).first()
    if pro is None:
        return None
    now = now or timezone.now()
    policy = marketplace_policy(marketplace, fresh=True)  # the rules themselves: from the primary
    weights = ranking_policy_read(marketplace=marketplace)

    leads = pro_window_leads(marketplace=marketplace, pro=pro, policy=policy, now=now)
    counts = pro_response_counts(leads=leads)
    listed = list(leads[: STATS_LEADS_CAP + 1])
    standing = ProStanding.objects.filter(marketplace=marketplace, pro=pro).first()
    factors, before, multiplier = rank_breakdown(
        pro=pro,
        weights=weights,
        policy=policy,
        responded=standing.responded_count if standing else 0,
        due=standing.due_count if standing else 0,
        as_of=standing.computed_at if standing else now,
    )
    category, area = pro_main_category_and_area(marketplace=marketplace, pro=pro)
    position = pro_rank_position(marketplace=marketplace, pro=pro, category=category, area=area)
    below = is_below_threshold(responded=counts.responded, due=counts.due, policy=policy)
    clock, schedule = pro_clock_explained(marketplace=marketplace, pro=pro, policy=policy, now=now)
    if schedule is not None:  # pending leads on the business-hours clock: working time left
        for lead in listed[:STATS_LEADS_CAP]:
            if lead.counts_as == COUNTS_PENDING and lead.deadline:
                lead.working_seconds_left = int(working_time_between(schedule, now, lead.deadline).total_seconds())
    return ProStats(
        as_of=read_as_of(now),  # the replica's replayed-up-to time when it served the figures
        response_rate=ResponseRateStats(
            rate=response_rate(counts=counts, policy=policy),
            responded=counts.responded,
            due=counts.due,
            missed=counts.missed,
            pending_in_time=counts.pending_in_time,
            not_counted=counts.not_counted,
            median_response_seconds=pro.median_response_seconds,
            threshold=policy.response_rate_threshold,
            window_days=policy.response_window_days,
            min_sample=policy.response_min_sample,
        ),
        demotion=DemotionStats(
            enabled=policy.response_rate_demotion_enabled,
            demoted=pro.demoted,
            since=pro.demoted_since,
            factor=policy.demotion_factor,
            at_risk=is_at_risk(counts=counts, policy=policy),
            responses_to_lift=responses_to_lift(
                responded=counts.responded, due=counts.due, threshold=policy.response_rate_threshold
            )
            if below
            else 0,
            reason=_demotion_reason(pro=pro, policy=policy, counts=counts, below=below),
        ),
        rank=RankStats(
            score=pro.rank_score,
            computed_at=standing.computed_at if standing else None,
            factors=factors,
            score_before_demotion=before,
            demotion_multiplier=multiplier,
            position=RankPosition(
                category=category,
                area=area,
                position=position[0] if position else None,
                of=position[1] if position else None,
            ),
        ),
        history=list(pro_snapshots(marketplace=marketplace, pro=pro, days=HISTORY_DAYS)),
        leads=StatsLeads(
            count=counts.responded + counts.missed + counts.pending_in_time + counts.not_counted,
            truncated=len(listed) > STATS_LEADS_CAP,
            results=listed[:STATS_LEADS_CAP],
        ),
        clock=clock,
    )


def _demotion_reason(*, pro: Pro, policy: MarketplacePolicy, counts: ResponseCounts, below: bool) -> str:
    """Why the pro is or is not demoted, in the reader's language (the active one)."""
    threshold = f"{policy.response_rate_threshold * 100:.1f}%"
    if not policy.response_rate_demotion_enabled:
        return gettext("Response-rate demotion is switched off in this marketplace.")
    if counts.due < policy.response_min_sample:
        return ngettext(
            "%(due)d lead due in the last %(days)d days; no figure below %(sample)d, so no demotion.",
            "%(due)d leads due in the last %(days)d days; no figure below %(sample)d, so no demotion.",
            counts.due,
        ) % {"due": counts.due, "days": policy.response_window_days, "sample": policy.response_min_sample}
    figures = {"responded": counts.responded, "due": counts.due, "threshold": threshold}
    if below and pro.demoted:
        text = gettext(
            "Answered %(responded)d of %(due)d due leads, below %(threshold)s: demoted until back at or above it."
        )
    elif below:
        text = gettext("Answered %(responded)d of %(due)d due leads, below %(threshold)s: demoted on the next rollup.")
    elif pro.demoted:
        text = gettext(
            "Answered %(responded)d of %(due)d due leads, at or above %(threshold)s: restored on the next rollup."
        )
    else:
        text = gettext("Answered %(responded)d of %(due)d due leads, at or above %(threshold)s.")
    return text % figures


def pro_clock_explained(
    *, marketplace: Marketplace, pro: Pro, policy: MarketplacePolicy, now: dt.datetime
) -> tuple[dict, Schedule | None]:
    """How this pro's deadlines are counted (Rule 15), in words; and the schedule when the
    business-hours clock applies to it."""
    today = now.astimezone(ZoneInfo(marketplace.time_zone)).date()
    schedule = schedule_for_pro(pro, since=today)
    explanation: StrOrPromise
    away = schedule.on_vacation(today)
    base = {"time_zone": marketplace.time_zone, "on_vacation_today": away}
    if not policy.business_hours_enabled:
        explanation = _("Deadlines run on the calendar clock: every hour counts, day and night.")
        return {**base, "basis": "calendar", "explanation": explanation, "weekly_hours": None, "cap_hours": None}, None
    weekly = schedule.weekly_working().total_seconds() / 3600
    if not schedule.has_hours:
        explanation = _(
            "This marketplace counts deadlines in working hours, but you have not set yours "
            "(PUT /api/v1/pro/working-hours/): every hour counts until you do."
        )
        return {**base, "basis": "calendar", "explanation": explanation, "weekly_hours": 0.0, "cap_hours": None}, None
    explanation = format_lazy(
        _(
            "Deadlines count only your working hours ({weekly} h a week, {time_zone}): a lead's time to "
            "answer is its usual time's share of a week applied to your working week, so nights, weekends "
            "and vacations never count as a miss; no deadline is later than {cap} h after the offer."
        ),
        weekly=f"{weekly:g}",
        time_zone=marketplace.time_zone,
        cap=policy.business_hours_cap_hours,
    )
    if away:
        explanation = format_lazy(
            "{explanation} {away}",
            explanation=explanation,
            away=_("You are on vacation today: no new leads are offered to you."),
        )
    clock = {
        **base,
        "basis": "working_hours",
        "explanation": explanation,
        "weekly_hours": weekly,
        "cap_hours": policy.business_hours_cap_hours,
    }
    return clock, schedule
