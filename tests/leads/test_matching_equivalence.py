"""The hand-written matching statement returns exactly what the ORM query returned (issue 16).

Seeded random marketplaces (tiers, Star Scores, tied rank scores, paused and suspended pros,
inactive services, spend caps with live and dead charges this week and last, saved cards with
and without a token, vacations today and not, several areas and categories) are matched under
random policies covering every branch: promotion on/off, matched leads on/off, business hours
on/off (vacations), a promotion fee or none, tiers, thresholds, fan-outs and fees. The rows —
ids, flags, member rank, the perfect-match conditions — and their order must be identical.
"""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.fees import week_start
from billing.models import Charge
from leads.services import matching
from leads.services.matching import MatchingFees, matching_candidates
from tests.factories import (
    CategoryFactory,
    ChargeFactory,
    LeadFactory,
    PaymentProfileFactory,
    ProAreaFactory,
    ProFactory,
    ServiceFactory,
    VacationFactory,
)
from tests.leads.matching_reference import orm_matching_candidates

pytestmark = pytest.mark.django_db

AREAS = ("M5V", "M4C", "M6K")
POLICIES_PER_SEED = 40


def _seed(rng: random.Random, marketplace, now: dt.datetime) -> list:
    categories = [CategoryFactory(marketplace=marketplace, slug=f"cat-{i}") for i in range(2)]
    today = now.astimezone(ZoneInfo(marketplace.time_zone)).date()
    monday = week_start(marketplace=marketplace, now=now)
    for _ in range(36):
        pro = ProFactory(
            marketplace=marketplace,
            tier=rng.choice(["basic", "brand_builder"]),
            star_score=rng.choice([0, 49, 50, 51, 90, 100]),
            rank_score=rng.choice([10.0, 25.5, 25.5, 60.0, 99.0]),  # ties: the pro id decides
            paused=rng.random() < 0.1,
            suspended=rng.random() < 0.07,
            weekly_spend_cap=rng.choice([None, None, 0, 2500, 4000, 10000]),
        )
        for area in rng.sample(AREAS, rng.randint(0, 2)):
            ProAreaFactory(marketplace=marketplace, pro=pro, area=area)
        for category in rng.sample(categories, rng.randint(1, 2)):
            ServiceFactory(
                marketplace=marketplace,
                pro=pro,
                category=category,
                promotion_enabled=rng.random() < 0.5,
                is_active=rng.random() < 0.9,
                condition_areas=rng.choice([[], ["M5V"], ["M4C", "M6K"]]),
                condition_budget_min=rng.choice([None, 1000]),
                condition_budget_max=rng.choice([None, 50000]),
                condition_lead_time_days=rng.choice([0, 0, 3]),
                condition_attributes=rng.choice([{}, {"size": ["small", "large"]}]),
            )
        card = rng.random()
        if card < 0.6:
            PaymentProfileFactory(marketplace=marketplace, pro=pro)
        elif card < 0.75:
            PaymentProfileFactory(marketplace=marketplace, pro=pro, payment_method_token="")
        for _ in range(rng.choice([0, 0, 1, 2])):
            charge = ChargeFactory(
                marketplace=marketplace,
                lead=LeadFactory(marketplace=marketplace, pro=pro),
                amount=rng.choice([0, 1000, 1500, 2500]),
                status=rng.choice(["pending", "succeeded", "succeeded", "failed", "refunded"]),
            )
            created = rng.choice([monday + dt.timedelta(hours=1), monday - dt.timedelta(minutes=1), now])
            Charge.objects.filter(pk=charge.pk).update(created_at=created)
        if rng.random() < 0.15:
            start = today + dt.timedelta(days=rng.choice([-3, 0, 1]))
            VacationFactory(
                marketplace=marketplace,
                pro=pro,
                start_date=start,
                end_date=start + dt.timedelta(days=rng.choice([0, 2])),
            )
    return categories


def _policy(rng: random.Random, marketplace) -> MatchingFees:
    policy = marketplace.policy
    policy.promotion_service_enabled = rng.random() < 0.6
    policy.matched_leads_enabled = rng.random() < 0.75
    policy.business_hours_enabled = rng.random() < 0.5
    policy.matched_required_tier = rng.choice(["basic", "brand_builder"])
    policy.star_score_threshold = rng.choice([0, 50, 90])
    policy.matched_fanout = rng.choice([1, 3, 10])
    return MatchingFees(matched=rng.choice([0, 1500, 2500]), promotion=rng.choice([0, 0, 1500]))


def _row(row) -> tuple:
    return (
        row.pk,
        row.pro_id,
        bool(row.promotion_candidate),
        bool(row.matched_candidate),
        row.member_rank,
        row.category_id,
        row.condition_areas,
        row.condition_budget_min,
        row.condition_budget_max,
        row.condition_lead_time_days,
        row.condition_attributes,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_compiled_matching_query_returns_the_orm_querys_rows_under_every_policy_branch(marketplace, seed):
    rng = random.Random(seed)
    now = timezone.now()
    categories = _seed(rng, marketplace, now)
    seen = {"rows": 0, "promotion": 0, "matched": 0, "ranked": 0}
    for _ in range(POLICIES_PER_SEED):
        fees = _policy(rng, marketplace)
        for category in categories:
            for area in AREAS:
                args = {"marketplace": marketplace, "category": category, "area": area, "fees": fees, "now": now}
                expected = [_row(row) for row in orm_matching_candidates(**args)]
                actual = [_row(row) for row in matching_candidates(**args)]
                assert actual == expected, (marketplace.policy.__dict__, fees, category.slug, area)
                seen["rows"] += len(actual)
                seen["promotion"] += sum(row[2] for row in actual)
                seen["matched"] += sum(row[3] for row in actual)
                seen["ranked"] += sum(row[4] > 1 for row in actual)
    # The data set exercised every kind of row, not only empty results.
    assert all(count > 0 for count in seen.values()), seen


def test_each_policy_branch_is_one_statement_built_once_per_process(marketplace):
    rng = random.Random(7)
    now = timezone.now()
    categories = _seed(rng, marketplace, now)
    policy = marketplace.policy
    policy.promotion_service_enabled = policy.matched_leads_enabled = True
    fees = MatchingFees(matched=2500, promotion=1500)
    args = {"marketplace": marketplace, "category": categories[0], "area": "M5V", "fees": fees, "now": now}
    matching_candidates(**args)
    built = matching._sql.cache_info().misses
    with CaptureQueriesContext(connection) as queries:
        matching_candidates(**args)
        matching_candidates(**{**args, "category": categories[1], "area": "M4C"})
    assert len(queries) == 2
    # Only the parameters changed: the branch's statement was not built again.
    assert matching._sql.cache_info().misses == built
