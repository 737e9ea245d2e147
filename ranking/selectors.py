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
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When

from hours.clock import Schedule
from hours.selectors import schedule_for_pro
from leads.models import Lead, LeadKind, LeadStatus
from marketplace.db_routers import read_alias, replica_reads
from marketplace.localtime import local_today
from marketplace.models import Marketplace, MarketplacePolicy, MembershipTier
from pros.models import Pro, ProArea, Service
from pros.selectors import pro_public_list
from ranking.models import ProDailySnapshot, RankingPolicy

COUNTS_RESPONDED = "responded"
COUNTS_MISSED = "missed"
COUNTS_PENDING = "pending_in_time"
COUNTS_NOT_COUNTED = "not_counted"


def _responded_q() -> Q:
    return Q(status__in=[LeadStatus.ACCEPTED, LeadStatus.REJECTED]) | Q(
        status__in=[LeadStatus.FILLED, LeadStatus.WITHDRAWN], responded_at__isnull=False
    )


def _missed_q(now: dt.datetime) -> Q:
    return Q(status=LeadStatus.EXPIRED) | Q(status=LeadStatus.PENDING, deadline__lte=now)


def pro_window_leads(*, marketplace: Marketplace, pro: Pro, policy: MarketplacePolicy, now: dt.datetime) -> QuerySet:
    """The pro's ``new``/``matched`` leads received in the window, newest first, each with how
    it counts in the response rate (``counts_as``). Read from the replica when there is one."""
    since = now - dt.timedelta(days=policy.response_window_days)
    return (
        Lead.objects.using(read_alias())
        .filter(marketplace=marketplace, pro=pro, kind__in=[LeadKind.NEW, LeadKind.MATCHED], created_at__gte=since)
        .annotate(
            counts_as=Case(
                When(_responded_q(), then=Value(COUNTS_RESPONDED)),
                When(_missed_q(now), then=Value(COUNTS_MISSED)),
                When(status=LeadStatus.PENDING, then=Value(COUNTS_PENDING)),
                default=Value(COUNTS_NOT_COUNTED),
                output_field=CharField(),
            )
        )
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class ResponseCounts:
    responded: int
    missed: int
    pending_in_time: int
    not_counted: int

    @property
    def due(self) -> int:
        return self.responded + self.missed


def pro_response_counts(*, leads: QuerySet) -> ResponseCounts:
    """One aggregate over ``pro_window_leads``."""
    totals = leads.order_by().aggregate(
        responded=Count("pk", filter=Q(counts_as=COUNTS_RESPONDED)),
        missed=Count("pk", filter=Q(counts_as=COUNTS_MISSED)),
        pending=Count("pk", filter=Q(counts_as=COUNTS_PENDING)),
        not_counted=Count("pk", filter=Q(counts_as=COUNTS_NOT_COUNTED)),
    )
    return ResponseCounts(totals["responded"], totals["missed"], totals["pending"], totals["not_counted"])


def response_rate(*, counts: ResponseCounts, policy: MarketplacePolicy) -> Decimal | None:
    if counts.due < policy.response_min_sample or counts.due == 0:
        return None
    return (Decimal(counts.responded) / Decimal(counts.due)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def is_below_threshold(*, responded: int, due: int, policy: MarketplacePolicy) -> bool:
    """Rule 6's demotion test, exact, as the rollup's ``demoted_new``: demotion switched on, at
    least the minimum sample, and responded/due < threshold. With demotion switched off nobody
    is below it, so there is nothing to lift (``responses_to_lift`` is 0)."""
    return (
        policy.response_rate_demotion_enabled
        and due >= policy.response_min_sample
        and Decimal(responded) < Decimal(policy.response_rate_threshold) * due
    )


def is_at_risk(*, counts: ResponseCounts, policy: MarketplacePolicy) -> bool:
    """Not below the threshold now, but one more missed lead would put it there."""
    if not policy.response_rate_demotion_enabled:
        return False
    if is_below_threshold(responded=counts.responded, due=counts.due, policy=policy):
        return False
    return is_below_threshold(responded=counts.responded, due=counts.due + 1, policy=policy)


@dataclass(frozen=True)
class Factor:
    name: str
    raw: object
    value: float
    weight: int
    contribution: float


def rank_breakdown(
    *, pro: Pro, weights: RankingPolicy, policy: MarketplacePolicy, responded: int, due: int, as_of: dt.datetime
) -> tuple[list[Factor], float, float]:
    """The rank score factor by factor, exactly as the rollup computes it (``services._calc_sql``).

    Returns (factors, score before demotion, demotion multiplier)."""
    has_rate = due >= policy.response_min_sample and due > 0
    rate_value = (responded / due) if has_rate else float(policy.response_rate_threshold)
    median = pro.median_response_seconds
    half_seconds = weights.response_time_half_hours * 3600
    if pro.last_active_at is None:
        activity = 0.0
    else:
        age = (as_of - pro.last_active_at).total_seconds()
        activity = 1.0 if age < 86400 else 0.5 ** (math.floor(age / 86400.0) / weights.activity_half_life_days)
    raw_factors = [
        ("star_score", pro.star_score, pro.star_score / 100, weights.weight_star_score),
        (
            "review_volume",
            pro.review_count,
            pro.review_count / (pro.review_count + weights.review_volume_half),
            weights.weight_review_volume,
        ),
        ("completeness", pro.completeness, pro.completeness / 100, weights.weight_completeness),
        (
            "response_rate",
            str(pro.response_rate) if pro.response_rate is not None else None,
            rate_value,
            weights.weight_response_rate,
        ),
        (
            "response_time",
            median,
            0.5 if median is None else half_seconds / (half_seconds + median),
            weights.weight_response_time,
        ),
        ("membership", pro.tier, 1.0 if pro.tier == MembershipTier.BRAND_BUILDER else 0.0, weights.weight_membership),
        (
            "activity",
            pro.last_active_at.isoformat() if pro.last_active_at else None,
            activity,
            weights.weight_activity,
        ),
    ]
    total_weight = max(weights.weight_total, 1)
    factors = [
        Factor(name, raw, value, weight, value * weight * 100.0 / total_weight)
        for name, raw, value, weight in raw_factors
    ]
    multiplier = float(policy.demotion_factor) if pro.demoted else 1.0
    return factors, sum(f.contribution for f in factors), multiplier


def pro_main_category_and_area(*, marketplace: Marketplace, pro: Pro):
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
    *, marketplace: Marketplace, pro: Pro, category, area: str | None
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


def marketplace_policy_read(*, marketplace: Marketplace) -> MarketplacePolicy:
    return MarketplacePolicy.objects.filter(marketplace=marketplace).first() or MarketplacePolicy(
        marketplace=marketplace
    )


def pro_snapshots(*, marketplace: Marketplace, pro: Pro, days: int = 90) -> QuerySet:
    """Daily snapshots of the last ``days`` local days (the marketplace's calendar, as the
    rollup dates them), newest first. Read from the replica when there is one."""
    since = local_today(marketplace=marketplace) - dt.timedelta(days=days)
    return (
        ProDailySnapshot.objects.using(read_alias())
        .filter(marketplace=marketplace, pro=pro, day__gte=since)
        .order_by("-day")
    )


def ranking_marketplace_pros(*, marketplace: Marketplace) -> QuerySet:
    """The marketplace's pros by rank (what the pro list sorts by; ``pro_rank_idx``)."""
    return Pro.objects.filter(marketplace=marketplace).order_by(F("rank_score").desc(), "pk")


def pro_clock_explained(
    *, marketplace: Marketplace, pro: Pro, policy: MarketplacePolicy, now: dt.datetime
) -> tuple[dict, Schedule | None]:
    """How this pro's deadlines are counted, in words, and the schedule when it is working time."""
    today = now.astimezone(ZoneInfo(marketplace.time_zone)).date()
    schedule = schedule_for_pro(pro, since=today)
    away = schedule.on_vacation(today)
    base = {"time_zone": marketplace.time_zone, "on_vacation_today": away}
    if not policy.business_hours_enabled:
        explanation = "Deadlines run on the calendar clock: every hour counts, day and night."
        return {**base, "basis": "calendar", "explanation": explanation, "weekly_hours": None, "cap_hours": None}, None
    weekly = schedule.weekly_working().total_seconds() / 3600
    if not schedule.has_hours:
        explanation = (
            "This marketplace counts deadlines in working hours, but you have not set yours "
            "(PUT /api/v1/pro/working-hours/): every hour counts until you do."
        )
        return {**base, "basis": "calendar", "explanation": explanation, "weekly_hours": 0.0, "cap_hours": None}, None
    explanation = (
        f"Deadlines count only your working hours ({weekly:g} h a week, {marketplace.time_zone}): a lead's "
        f"time to answer is its usual time's share of a week applied to your working week, so nights, "
        f"weekends and vacations never count as a miss; no deadline is later than "
        f"{policy.business_hours_cap_hours} h after the offer."
    )
    if away:
        explanation += " You are on vacation today: no new leads are offered to you."
    clock = {
        **base,
        "basis": "working_hours",
        "explanation": explanation,
        "weekly_hours": weekly,
        "cap_hours": policy.business_hours_cap_hours,
    }
    return clock, schedule
