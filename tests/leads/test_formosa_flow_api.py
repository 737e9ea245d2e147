"""Done when (formosa): a profile request to a promotion pro gets an auto-quote at once; to a
non-promotion pro a new lead that can be accepted (charged, contact revealed) or rejected (free)."""

import datetime as dt

import pytest

from billing.models import Charge, LedgerEntry
from connections.models import ConnectionEvent
from leads.services.accept import accept_charge_process
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def formosa(other_marketplace):
    policy = other_marketplace.policy
    policy.promotion_service_enabled = True
    policy.fee_new = policy.fee_promotion = 15000
    policy.save()
    return other_marketplace


@pytest.fixture
def cleaning(formosa):
    return CategoryFactory(
        marketplace=formosa,
        slug="cleaning",
        name="Home cleaning",
        questions=[{"key": "rooms", "label": "Rooms", "choices": ["1", "2", "3"]}],
    )


@pytest.fixture
def taipei_homeowner(formosa):
    return UserFactory(marketplace=formosa, role="homeowner")


def body(category, pro, **overrides):
    return {
        "category": category.slug,
        "postal_code": "10617",
        "description": "Deep clean a 2-room flat.",
        "budget_min": 300000,
        "budget_max": 400000,
        "answers": {"rooms": "2"},
        "contact": {"name": "Lin", "phone": "0912-345-678", "email": "lin@example.test"},
        "pro": pro.pk,
        **overrides,
    }


def test_profile_request_to_a_promotion_pro_gets_its_auto_quote_at_once(
    api_client, formosa, cleaning, taipei_homeowner, make_pro, django_capture_on_commit_callbacks
):
    user = make_pro(
        market=formosa,
        cat=cleaning,
        areas=("106",),
        tier="basic",
        star=0,
        promotion=True,
        condition_budget_min=200000,
        condition_budget_max=500000,
        condition_attributes={"rooms": ["1", "2"]},
        auto_quote_price_min=350000,
        auto_quote_price_max=380000,
        auto_quote_message="We can come on Saturday.",
    )
    client = api_client(formosa, taipei_homeowner)
    with django_capture_on_commit_callbacks(execute=False):
        created = client.post("/api/v1/quote-requests/", body(cleaning, user.pro), format="json")
    assert created.status_code == 201, created.json()
    (lead,) = created.json()["leads"]
    assert lead["kind"] == "promotion" and lead["status"] == "accepted"
    assert lead["quote"] == {"message": "We can come on Saturday.", "price_min": 350000, "price_max": 380000}

    # The auto-quote is charged as on accept: the gateway phase runs after commit.
    charge = Charge.objects.get()
    assert (charge.status, charge.amount, charge.currency) == ("pending", 15000, "TWD")
    assert accept_charge_process(charge_id=charge.pk) == "succeeded"
    assert LedgerEntry.objects.get().amount == 15000
    pro_view = api_client(formosa, user).get(f"/api/v1/pro/leads/{lead_id(user, formosa, api_client)}/").json()
    assert pro_view["contact"]["phone"] == "0912-345-678"
    assert ConnectionEvent.objects.filter(kind="promotion_lead", pro=user.pro).count() == 1


def lead_id(user, market, api_client):
    return api_client(market, user).get("/api/v1/pro/leads/").json()["results"][0]["id"]


def test_promotion_pro_without_a_perfect_match_gets_a_new_lead(
    api_client, formosa, cleaning, taipei_homeowner, make_pro
):
    user = make_pro(market=formosa, cat=cleaning, areas=("106",), promotion=True, condition_lead_time_days=7)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    created = api_client(formosa, taipei_homeowner).post(
        "/api/v1/quote-requests/", body(cleaning, user.pro, start_date=tomorrow), format="json"
    )
    assert created.status_code == 201
    assert [(lead["kind"], lead["status"]) for lead in created.json()["leads"]] == [("new", "pending")]


def test_profile_request_to_a_non_promotion_pro_can_be_accepted_charged_and_see_the_contact(
    api_client, formosa, cleaning, taipei_homeowner, make_pro
):
    user = make_pro(market=formosa, cat=cleaning, areas=("106",), tier="basic", star=0)
    created = api_client(formosa, taipei_homeowner).post(
        "/api/v1/quote-requests/", body(cleaning, user.pro), format="json"
    )
    assert created.json()["leads"][0]["kind"] == "new"
    client = api_client(formosa, user)
    lead = client.get("/api/v1/pro/leads/").json()["results"][0]
    assert lead["contact"] is None and lead["fee"] == {"amount": 15000, "currency": "TWD"}
    assert lead["deadline"] is not None

    accepted = client.post(
        f"/api/v1/pro/leads/{lead['id']}/accept/", {"message": "Can do", "price": 360000}, format="json"
    )
    assert accepted.status_code == 200
    assert accepted.json()["contact"] == {"name": "Lin", "phone": "0912-345-678", "email": "lin@example.test"}
    assert Charge.objects.get().status == "succeeded"
    assert LedgerEntry.objects.get().idempotency_key == f"lead-{lead['id']}-accept:ledger"
    assert ConnectionEvent.objects.filter(kind="profile_lead", pro=user.pro).count() == 1
    followed = api_client(formosa, taipei_homeowner).get(f"/api/v1/quote-requests/{created.json()['id']}/").json()
    assert followed["leads"][0]["quote"]["price_min"] == 360000


def test_profile_request_to_a_non_promotion_pro_can_be_rejected_for_free(
    api_client, formosa, cleaning, taipei_homeowner, make_pro
):
    user = make_pro(market=formosa, cat=cleaning, areas=("106",), tier="basic", star=0)
    api_client(formosa, taipei_homeowner).post("/api/v1/quote-requests/", body(cleaning, user.pro), format="json")
    client = api_client(formosa, user)
    lead = client.get("/api/v1/pro/leads/").json()["results"][0]
    rejected = client.post(f"/api/v1/pro/leads/{lead['id']}/reject/", {"reason": "Fully booked"}, format="json")
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected" and rejected.json()["contact"] is None
    assert rejected.json()["reject_reason"] == "Fully booked"
    assert not Charge.objects.exists() and not LedgerEntry.objects.exists()
    assert ConnectionEvent.objects.filter(kind="exposure", pro=user.pro).count() == 1
    again = client.post(f"/api/v1/pro/leads/{lead['id']}/accept/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "lead_not_pending"
