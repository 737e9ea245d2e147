"""The ORM matching query as it ran before issue 16 (kept verbatim as the reference).

``leads.services.matching`` now runs a hand-written statement built once per policy branch;
``test_matching_equivalence.py`` checks that it returns exactly these rows, in this order, for
every policy branch on seeded random data. Do not "fix" this copy: it is the old behaviour.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypeAlias, TypedDict, cast
from zoneinfo import ZoneInfo

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

from billing.fees import week_start
from billing.models import Charge, ChargeStatus, PaymentProfile
from hours.selectors import pros_on_vacation
from leads.services.matching import MatchingFees
from marketplace.models import Marketplace
from marketplace.selectors import marketplace_policy
from pros.models import Category, Service


def week_spend_subquery(*, marketplace: Marketplace, now: dt.datetime, pro_ref: str = "pro_id") -> Coalesce:
    spend = (
        Charge.objects.filter(
            pro_id=OuterRef(pro_ref),
            status__in=[ChargeStatus.PENDING, ChargeStatus.SUCCEEDED],
            created_at__gte=week_start(marketplace=marketplace, now=now),
        )
        .order_by()
        .values("pro_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(spend, output_field=IntegerField()), Value(0))


def _room_for(fee: int) -> Q:
    return Q(pro__weekly_spend_cap__isnull=True) | Q(pro__weekly_spend_cap__gte=F("week_spend") + Value(fee))


class CandidateAnnotations(TypedDict):
    promotion_candidate: bool
    matched_candidate: bool
    member_rank: int


CANDIDATES: TypeAlias = "QuerySet[WithAnnotations[Service, CandidateAnnotations]]"


def orm_matching_candidates(
    *, marketplace: Marketplace, category: Category, area: str, fees: MatchingFees, now: dt.datetime
) -> CANDIDATES:
    """Services (with their pro) that may receive a lead for this request; see module doc.

    Each row is annotated with ``promotion_candidate``, ``matched_candidate`` and
    ``member_rank`` (1-based among matched candidates, best rank score first).
    """
    policy = marketplace_policy(marketplace)
    nothing = Q(pk__in=[])
    promotion_ok = Q(promotion_enabled=True) & _room_for(fees.promotion)
    if not policy.promotion_service_enabled:
        promotion_ok = nothing
    if fees.promotion > 0:
        promotion_ok &= Q(has_payment_method=True)
    matched_ok = (
        Q(pro__tier=policy.matched_required_tier, pro__star_score__gte=policy.star_score_threshold)
        & _room_for(fees.matched)
        if policy.matched_leads_enabled
        else nothing
    )
    base = Service.objects.filter(
        marketplace=marketplace,
        category=category,
        is_active=True,
        pro__paused=False,
        pro__suspended=False,
        pro__areas__area=area,
        pro__areas__marketplace=marketplace,
    ).select_related("pro")
    if policy.business_hours_enabled:
        # Rule 15: a vacation pauses matching for its dates (the marketplace's today).
        today = now.astimezone(ZoneInfo(marketplace.time_zone)).date()
        away = pros_on_vacation(marketplace=marketplace, day=today)
        base = base.exclude(pro_id__in=away.values("pro_id"))
    if policy.promotion_service_enabled and fees.promotion > 0:
        has_method = PaymentProfile.objects.filter(pro_id=OuterRef("pro_id")).exclude(payment_method_token="")
        base = base.annotate(has_payment_method=Exists(has_method))
    base = base.annotate(week_spend=week_spend_subquery(marketplace=marketplace, now=now))
    order = [F("pro__rank_score").desc(), F("pro_id").asc()]
    true, false = Value(True), Value(False)

    if not policy.promotion_service_enabled:
        # Matched leads only (maple's rulebook): the best ``fanout`` qualified members.
        return cast(
            CANDIDATES,
            base.filter(matched_ok)
            .annotate(promotion_candidate=false, matched_candidate=true, member_rank=Value(0))
            .order_by(*order)[: policy.matched_fanout],
        )
    if not policy.matched_leads_enabled:
        # Promotion only (formosa's rulebook): every pro whose service may auto-quote.
        return cast(
            CANDIDATES,
            base.filter(promotion_ok)
            .annotate(promotion_candidate=true, matched_candidate=false, member_rank=Value(0))
            .order_by(*order),
        )
    return cast(
        CANDIDATES,
        base.annotate(
            promotion_candidate=Case(When(promotion_ok, then=true), default=false, output_field=BooleanField()),
            matched_candidate=Case(When(matched_ok, then=true), default=false, output_field=BooleanField()),
        )
        .annotate(member_rank=Window(RowNumber(), partition_by=[F("matched_candidate")], order_by=order))
        # Keep every promotion candidate and the best ``fanout`` matched ones (one comparison
        # against the window, so the database filters it in the same statement).
        .annotate(
            rank_cutoff=Case(
                When(promotion_candidate=True, then=Value(2**31 - 1)),
                When(matched_candidate=True, then=Value(policy.matched_fanout)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .filter(member_rank__lte=F("rank_cutoff"))
        .order_by(*order),
    )
