"""The demo marketplaces play the two source documents through the API alone (after `seed_demo`)."""

import pytest

from marketplace.demo import demo_seed
from marketplace.models import Marketplace, User
from pros.models import Pro, Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.PAYMENT_GATEWAY = "local"
    demo_seed()
    return {slug: Marketplace.objects.get(slug=slug) for slug in ("maple", "formosa")}


def test_demo_maple_platform_plumbing_request_reaches_only_qualified_members(api_client, demo):
    maple = demo["maple"]
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
    offered = Pro.objects.filter(pk__in=[lead["pro"]["id"] for lead in response.json()["leads"]])
    assert offered.exists()
    policy = maple.policy
    assert all(
        pro.tier == policy.matched_required_tier and pro.star_score >= policy.star_score_threshold for pro in offered
    )
    assert {lead["kind"] for lead in response.json()["leads"]} == {"matched"}

    member = offered.first().members.first()
    client = api_client(maple, member)
    lead = client.get("/api/v1/pro/leads/").json()["results"][0]
    accepted = client.post(f"/api/v1/pro/leads/{lead['id']}/accept/", {"message": "On my way"}, format="json")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["contact"]["phone"] == "+1 416 555 0199"


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
