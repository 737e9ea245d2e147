import pytest
from django.utils import timezone

from leads.models import Lead
from leads.services.matching import MatchingFees, matching_candidates
from tests.factories import ChargeFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_with_both_rule_families_promotions_auto_quote_and_the_best_members_get_matched_leads(
    api_client, marketplace, homeowner, make_pro, request_body
):
    policy = marketplace.policy
    policy.promotion_service_enabled, policy.matched_fanout, policy.fee_promotion = True, 2, 0
    policy.save()
    promoter = make_pro(tier="basic", star=0, rank=1, promotion=True)  # not a member, perfect match
    imperfect = make_pro(tier="basic", star=0, rank=2, promotion=True, condition_budget_max=10)  # no budget given
    best = make_pro(rank=90)
    member_promoter = make_pro(rank=80, promotion=True)  # a member whose auto-quote fires keeps its slot
    third = make_pro(rank=70)
    created = api_client(marketplace, homeowner).post("/api/v1/quote-requests/", request_body(), format="json")
    kinds = {lead["pro"]["id"]: (lead["kind"], lead["status"]) for lead in created.json()["leads"]}
    assert kinds == {
        promoter.pro_id: ("promotion", "accepted"),
        member_promoter.pro_id: ("promotion", "accepted"),
        best.pro_id: ("matched", "pending"),
    }
    assert imperfect.pro_id not in kinds and third.pro_id not in kinds
    assert list(Lead.objects.filter(kind="matched").values_list("rank_position", flat=True)) == [1]


def test_a_pro_without_room_under_its_weekly_cap_is_not_matched(marketplace, make_pro, category):
    capped = make_pro(cap=3000, rank=99)
    free = make_pro(rank=10)
    ChargeFactory(marketplace=marketplace, lead=LeadFactory(marketplace=marketplace, pro=capped.pro), amount=1000)
    fees = MatchingFees(matched=2500, promotion=0)
    rows = list(
        matching_candidates(marketplace=marketplace, category=category, area="M5V", fees=fees, now=timezone.now())
    )
    assert [row.pro_id for row in rows] == [free.pro_id]
    fees = MatchingFees(matched=2000, promotion=0)  # exactly at the cap still fits
    rows = list(
        matching_candidates(marketplace=marketplace, category=category, area="M5V", fees=fees, now=timezone.now())
    )
    assert [row.pro_id for row in rows] == [capped.pro_id, free.pro_id]


def test_matching_is_one_query(marketplace, make_pro, category, django_assert_num_queries):
    for rank in range(8):
        make_pro(rank=rank)
    with django_assert_num_queries(1):
        rows = list(
            matching_candidates(
                marketplace=marketplace,
                category=category,
                area="M5V",
                fees=MatchingFees(matched=2500, promotion=0),
                now=timezone.now(),
            )
        )
    assert len(rows) == marketplace.policy.matched_fanout
