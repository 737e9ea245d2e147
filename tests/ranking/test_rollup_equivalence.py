"""The one-statement rollup writes exactly what the five-statement rollup wrote (issue 16).

A seeded marketplace (60 pros, 600 leads of every kind and status, varied scores and tiers)
goes through a sequence of runs — first run, rerun, answers and misses, the next day, a
policy change, demotion switched off, single-pro refreshes — and at each step the old
orchestration (``rollup_reference``, rolled back) and the product's must leave the same pros,
snapshots and standings and report the same changes. Only ``computed_at`` of rows whose
content did not change may differ: the product no longer rewrites them.
"""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from leads.models import Lead
from marketplace.models import MarketplacePolicy
from pros.models import Pro
from ranking.models import ProDailySnapshot, ProStanding
from ranking.services import pro_stats_rollup
from tests.ranking.bulk import pros_with_leads
from tests.ranking.rollup_reference import reference_rollup

pytestmark = pytest.mark.django_db


def _state(marketplace) -> dict:
    return {
        "pros": list(
            Pro.objects.filter(marketplace=marketplace)
            .order_by("pk")
            .values_list(
                "pk",
                "response_rate",
                "median_response_seconds",
                "last_active_at",
                "demoted",
                "demoted_since",
                "rank_score",
            )
        ),
        "snapshots": list(
            ProDailySnapshot.objects.filter(marketplace=marketplace)
            .order_by("pro_id", "day")
            .values_list(
                "pro_id",
                "day",
                "responded_count",
                "due_count",
                "response_rate",
                "median_response_seconds",
                "demoted",
                "at_risk",
                "rank_score",
                "star_score",
                "review_count",
            )
        ),
        "standings": list(
            ProStanding.objects.filter(marketplace=marketplace)
            .order_by("pro_id")
            .values_list("pro_id", "responded_count", "due_count", "at_risk")
        ),
    }


def _outcome(result) -> tuple:
    return (
        result.pro_count,
        result.lead_count,
        result.demoted_count,
        result.at_risk_count,
        result.newly_demoted,
        result.restored,
        result.warned,
    )


def _both(marketplace, now, pro_id=None) -> tuple:
    with transaction.atomic():
        expected = (_outcome(reference_rollup(marketplace=marketplace, now=now, pro_id=pro_id)), _state(marketplace))
        transaction.set_rollback(True)
    result = pro_stats_rollup(marketplace=marketplace, now=now, pro_id=pro_id, notify=False)
    return (_outcome(result), _state(marketplace)), expected


def _scramble(rng: random.Random, marketplace, now) -> None:
    """Leads of every kind and status, answered after varied delays; pros of varied standing."""
    for lead in Lead.objects.filter(marketplace=marketplace).order_by("pk"):
        kind = rng.choice(["new", "matched", "matched", "promotion"])
        status = rng.choice(["accepted", "accepted", "rejected", "expired", "pending", "filled", "withdrawn"])
        answered = status in ("accepted", "rejected") or (status in ("filled", "withdrawn") and rng.random() < 0.5)
        created = now - dt.timedelta(hours=rng.randint(0, 40 * 24))
        Lead.objects.filter(pk=lead.pk).update(
            kind=kind,
            status=status,
            created_at=created,
            deadline=created + dt.timedelta(hours=rng.choice([1, 24, 72])),
            responded_at=created + dt.timedelta(minutes=rng.randint(1, 3000)) if answered else None,
        )
    for pro in Pro.objects.filter(marketplace=marketplace):
        Pro.objects.filter(pk=pro.pk).update(
            star_score=rng.randint(0, 100),
            review_count=rng.randint(0, 40),
            completeness=rng.randint(0, 100),
            tier=rng.choice(["basic", "brand_builder"]),
        )


def _answer_some(rng: random.Random, marketplace, now) -> None:
    for lead in Lead.objects.filter(marketplace=marketplace, status__in=["expired", "pending"]).order_by("pk"):
        if rng.random() < 0.3:
            Lead.objects.filter(pk=lead.pk).update(status="accepted", responded_at=now - dt.timedelta(minutes=5))
    for lead in Lead.objects.filter(marketplace=marketplace, status="accepted").order_by("pk"):
        if rng.random() < 0.1:
            Lead.objects.filter(pk=lead.pk).update(status="expired", responded_at=None)


@pytest.mark.postgres  # seeded set-based (tests/ranking/bulk.py)
def test_the_one_statement_rollup_leaves_what_the_five_statement_rollup_left(demotion_on):
    marketplace = demotion_on
    rng = random.Random(16)
    now = timezone.now()
    pros_with_leads(marketplace, pros=60, leads_each=10)
    _scramble(rng, marketplace, now)
    policy = MarketplacePolicy.objects.get(marketplace=marketplace)
    policy.response_min_sample = 3
    policy.save()

    def step(when, pro_id=None):
        actual, expected = _both(marketplace, when, pro_id)
        assert actual == expected

    step(now)  # first run: every pro, snapshot and standing is new
    step(now)  # rerun: nothing changes
    _answer_some(rng, marketplace, now)
    step(now + dt.timedelta(hours=1))  # answers restore some pros, misses demote others
    step(now + dt.timedelta(days=1))  # the next day: activity decays, a new snapshot day
    policy.response_rate_threshold = Decimal("0.900")
    policy.save()
    step(now + dt.timedelta(days=1, hours=1))  # a stricter threshold
    pro_ids = list(Pro.objects.filter(marketplace=marketplace).order_by("pk").values_list("pk", flat=True)[:3])
    _answer_some(rng, marketplace, now + dt.timedelta(days=1))
    for pro_id in pro_ids:
        step(now + dt.timedelta(days=1, hours=2), pro_id)  # the single-pro refresh after an answer
    policy.response_rate_demotion_enabled = False
    policy.save()
    step(now + dt.timedelta(days=1, hours=3))  # demotion switched off lifts every demotion
    assert Pro.objects.filter(marketplace=marketplace, demoted=True).count() == 0
