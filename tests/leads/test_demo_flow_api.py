"""The demo marketplaces play the two source documents through the API alone (after `seed_demo`)."""

import pytest

from billing.models import Charge
from marketplace.demo import demo_seed
from marketplace.models import Marketplace, User
from pros.models import Pro, Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.PAYMENT_GATEWAY = "local"
    demo_seed()
    return {slug: Marketplace.objects.get(slug=slug) for slug in ("maple", "formosa")}


def _lead_for(pro_client, request_id: int) -> dict:
    """The pro's lead for this request (its demo history holds older, accepted leads)."""
    (lead,) = [
        lead for lead in pro_client.get("/api/v1/pro/leads/").json()["results"] if lead["request"]["id"] == request_id
    ]
    return lead


def test_demo_maple_platform_request_plays_homestars_matched_leads_end_to_end(api_client, demo):
    """A plumbing request in M5V: only members at or above Star Score 80 get expiring matched
    leads; the first three accepts are charged and see the contact; the fourth closes as filled."""
    maple = demo["maple"]
    policy = maple.policy
    asker = User.objects.get(marketplace=maple, email="asker@maple.test")
    response = api_client(maple, asker).post(
        "/api/v1/quote-requests/",
        {
            "category": "plumbing",
            "postal_code": "M5V 3L9",
            "description": "Leaking kitchen tap.",
            "answers": {"job": "repair"},
            "contact": {"name": "Pat", "phone": "+1 416 555 0199"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    request_id = response.json()["id"]
    offered = Pro.objects.filter(pk__in=[lead["pro"]["id"] for lead in response.json()["leads"]])

    serving_m5v = Pro.objects.filter(
        marketplace=maple, areas__area="M5V", services__category__slug="plumbing", services__is_active=True
    ).distinct()
    qualified = serving_m5v.filter(tier=policy.matched_required_tier, star_score__gte=policy.star_score_threshold)
    assert set(offered) == set(qualified) and offered.count() == policy.matched_capacity + 1
    left_out = set(serving_m5v) - set(qualified)
    assert {pro.tier for pro in left_out} == {"basic", policy.matched_required_tier}  # one by tier, one by score
    assert {lead["kind"] for lead in response.json()["leads"]} == {"matched"}

    first, *others, last = [pro.members.first() for pro in offered.order_by("-rank_score", "pk")]
    for member in [first, *others]:
        client = api_client(maple, member)
        lead = _lead_for(client, request_id)
        assert lead["status"] == "pending" and lead["deadline"] and lead["contact"] is None
        accepted = client.post(f"/api/v1/pro/leads/{lead['id']}/accept/", {"message": "On my way"}, format="json")
        assert accepted.status_code == 200, accepted.json()
        assert accepted.json()["contact"]["phone"] == "+1 416 555 0199"
        assert Charge.objects.get(lead_id=lead["id"], status="succeeded").amount == lead["fee"]["amount"] > 0

    late = api_client(maple, last)
    lead = _lead_for(late, request_id)
    assert lead["status"] == "filled" and lead["contact"] is None
    refused = late.post(f"/api/v1/pro/leads/{lead['id']}/accept/", {}, format="json")
    assert refused.status_code == 409
    assert not Charge.objects.filter(lead_id=lead["id"]).exists()

    followed = api_client(maple, asker).get(f"/api/v1/quote-requests/{request_id}/").json()
    assert sorted(lead["status"] for lead in followed["leads"]) == ["accepted"] * 3 + ["filled"]


def test_demo_formosa_profile_requests_auto_quote_or_offer_a_new_lead(api_client, demo):
    formosa = demo["formosa"]
    asker = User.objects.get(marketplace=formosa, email="asker@formosa.test")
    client = api_client(formosa, asker)
    promoted = Service.objects.filter(
        marketplace=formosa, promotion_enabled=True, category__slug="plumbing-electrical"
    ).first()
    auto = client.post(
        "/api/v1/quote-requests/",
        {
            "category": "plumbing-electrical",
            "postal_code": "10617",
            "description": "浴室漏水",
            "budget_min": 200000,
            "budget_max": 300000,
            "answers": {"job": "leak"},
            "contact": {"name": "林小姐", "phone": "0912-000-111"},
            "pro": promoted.pro_id,
        },
        format="json",
    )
    assert auto.status_code == 201, auto.json()
    (lead,) = auto.json()["leads"]
    assert (lead["kind"], lead["status"]) == ("promotion", "accepted") and lead["quote"]["message"]

    plain = Service.objects.filter(marketplace=formosa, promotion_enabled=False, pro__areas__area="106").first()
    new = client.post(
        "/api/v1/quote-requests/",
        {
            "category": plain.category.slug,
            "postal_code": "10617",
            "description": "想重新規劃客廳",
            "contact": {"name": "林小姐", "phone": "0912-000-111"},
            "pro": plain.pro_id,
        },
        format="json",
    )
    assert new.status_code == 201, new.json()
    assert [(lead["kind"], lead["status"]) for lead in new.json()["leads"]] == [("new", "pending")]
    pro_client = api_client(formosa, plain.pro.members.first())
    pending = pro_client.get("/api/v1/pro/leads/").json()["results"][0]
    rejected = pro_client.post(f"/api/v1/pro/leads/{pending['id']}/reject/", {"reason": "檔期已滿"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
