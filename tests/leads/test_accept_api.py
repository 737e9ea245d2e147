import datetime as dt

import pytest
from django.utils import timezone

from billing.models import Charge, LedgerEntry, LocalGatewayPayment
from leads.models import Lead
from tests.factories import ChargeFactory, LeadFactory, QuoteRequestFactory, UserFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro_user(make_pro):
    return make_pro()


def new_lead(pro_user, **fields):
    request = QuoteRequestFactory(marketplace=pro_user.marketplace)
    return LeadFactory(marketplace=pro_user.marketplace, request=request, pro=pro_user.pro, **fields)


def accept(api_client, user, lead, body=None, **headers):
    client = api_client(user.marketplace, user)
    return client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", body or {}, format="json", **headers)


def test_accept_after_deadline_is_409_lead_expired_and_reads_expired(api_client, pro_user):
    lead = new_lead(pro_user, deadline=timezone.now() - dt.timedelta(seconds=1))
    response = accept(api_client, pro_user, lead)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "lead_expired"
    detail = api_client(pro_user.marketplace, pro_user).get(f"/api/v1/pro/leads/{lead.pk}/").json()
    assert detail["status"] == "expired"
    assert not Charge.objects.exists()


def test_declined_card_is_402_the_lead_stays_pending_and_nothing_is_paid(api_client, make_pro):
    user = make_pro(card="pm_card_chargeDeclined")
    lead = new_lead(user)
    response = accept(api_client, user, lead)
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "payment_declined"
    lead.refresh_from_db()
    assert lead.status == "pending" and lead.contact_revealed_at is None
    assert Charge.objects.get().status == "failed"
    assert not LedgerEntry.objects.exists()


def test_after_a_decline_a_new_card_can_pay_under_a_fresh_key(api_client, make_pro):
    user = make_pro(card="pm_card_chargeDeclined")
    lead = new_lead(user)
    assert accept(api_client, user, lead).status_code == 402
    user.pro.payment_profile.payment_method_token = "pm_card_visa"
    user.pro.payment_profile.save()
    response = accept(api_client, user, lead)
    assert response.status_code == 200
    keys = sorted(Charge.objects.values_list("idempotency_key", "status"))
    assert keys == [(f"lead-{lead.pk}-accept", "failed"), (f"lead-{lead.pk}-accept-2", "succeeded")]


def test_accept_without_a_saved_payment_method_is_402(api_client, make_pro):
    user = make_pro(card=None)
    response = accept(api_client, user, new_lead(user))
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "payment_method_required"


def test_provider_unavailable_is_503_with_retry_after_and_the_retry_resumes_the_same_charge(api_client, make_pro):
    user = make_pro(card="pm_card_unavailable")
    lead = new_lead(user)
    response = accept(api_client, user, lead)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    charge = Charge.objects.get()
    assert charge.status == "pending"
    # The provider recovers: the retry resumes the committed charge with the same key.
    Charge.objects.filter(pk=charge.pk).update(payment_method_token="pm_card_visa")
    assert accept(api_client, user, lead).status_code == 200
    assert list(Charge.objects.values_list("idempotency_key", "status")) == [(f"lead-{lead.pk}-accept", "succeeded")]


def test_weekly_spend_cap_is_402_when_the_fee_would_exceed_it(api_client, make_pro):
    user = make_pro(cap=5000)
    earlier = new_lead(user, status="accepted")
    ChargeFactory(marketplace=user.marketplace, lead=earlier, pro=user.pro, amount=3000)
    response = accept(api_client, user, new_lead(user, fee_amount=2500))
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "spend_cap_reached"
    assert accept(api_client, user, new_lead(user, fee_amount=2000)).status_code == 200  # exactly at the cap


def test_zero_fee_accept_calls_no_gateway_but_is_visible_in_the_ledger(api_client, make_pro):
    user = make_pro(card=None)
    lead = new_lead(user, fee_amount=0)
    response = accept(api_client, user, lead)
    assert response.status_code == 200 and response.json()["contact"] is not None
    charge = Charge.objects.get()
    assert (charge.amount, charge.status, charge.gateway) == (0, "succeeded", "none")
    assert LedgerEntry.objects.get().amount == 0
    assert not LocalGatewayPayment.objects.exists()


def test_accepting_someone_elses_lead_is_404(api_client, make_pro):
    owner, other = make_pro(), make_pro()
    response = accept(api_client, other, new_lead(owner))
    assert response.status_code == 404
    assert not Charge.objects.exists()


@pytest.mark.parametrize("price", [-1, 12.5, "ten", True, "100", 10**15 + 1, 10**20])
def test_non_integer_negative_or_absurd_prices_are_400_before_any_charge(api_client, pro_user, price):
    response = accept(api_client, pro_user, new_lead(pro_user), {"price": price})
    assert response.status_code == 400
    assert "price" in response.json()["error"]["fields"]
    assert not Charge.objects.exists()


def test_same_idempotency_key_replays_the_answer_and_charges_once(api_client, pro_user):
    lead = new_lead(pro_user)
    first = accept(api_client, pro_user, lead, HTTP_IDEMPOTENCY_KEY="tap-1")
    second = accept(api_client, pro_user, lead, HTTP_IDEMPOTENCY_KEY="tap-1")
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert Charge.objects.count() == 1 and LocalGatewayPayment.objects.count() == 1


def test_homeowner_cannot_accept_leads(api_client, pro_user, marketplace):
    homeowner = UserFactory(marketplace=marketplace, role="homeowner")
    response = api_client(marketplace, homeowner).post(f"/api/v1/pro/leads/{new_lead(pro_user).pk}/accept/", {})
    assert response.status_code == 403


def test_lead_list_is_newest_first_with_a_bounded_number_of_queries(
    api_client, pro_user, django_assert_max_num_queries
):
    leads = [new_lead(pro_user) for _ in range(5)]
    client = api_client(pro_user.marketplace, pro_user)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/pro/leads/")
    assert [row["id"] for row in response.json()["results"]] == [lead.pk for lead in reversed(leads)]
    assert all(row["offered_count"] == 1 for row in response.json()["results"])


def test_reject_of_a_lead_not_pending_is_409(api_client, pro_user):
    lead = new_lead(pro_user, status="expired")
    response = api_client(pro_user.marketplace, pro_user).post(f"/api/v1/pro/leads/{lead.pk}/reject/", {})
    assert response.status_code == 409
    assert Lead.objects.get(pk=lead.pk).status == "expired"


def test_leads_and_requests_of_another_marketplace_are_404(api_client, marketplace, other_marketplace, pro_user):
    foreign_lead = LeadFactory(marketplace=other_marketplace)
    client = api_client(marketplace, pro_user)
    assert client.get(f"/api/v1/pro/leads/{foreign_lead.pk}/").status_code == 404
    assert client.post(f"/api/v1/pro/leads/{foreign_lead.pk}/reject/", {}).status_code == 404
    homeowner = UserFactory(marketplace=marketplace, role="homeowner")
    response = api_client(marketplace, homeowner).get(f"/api/v1/quote-requests/{foreign_lead.request_id}/")
    assert response.status_code == 404


@pytest.mark.parametrize("status", ["rejected", "filled", "withdrawn", "expired"])
def test_accepting_a_lead_that_is_no_longer_pending_is_409_lead_not_pending_and_free(api_client, pro_user, status):
    lead = new_lead(pro_user, status=status)
    response = accept(api_client, pro_user, lead)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "lead_not_pending"
    assert not Charge.objects.exists()


@pytest.mark.parametrize("business_hours", [False, True], ids=["calendar", "working_hours"])
@pytest.mark.parametrize("mutual_interest", [False, True], ids=["paid", "mutual_interest"])
def test_the_accept_and_reject_responses_are_the_leads_read_byte_for_byte(
    api_client, marketplace, make_pro, business_hours, mutual_interest
):
    """The answers' JSON (the lean builder, ``leads.api.lead_json``) is what a read of the lead
    (``LeadOutput``) and the inbox's page say about it, whichever clock and billing mode."""
    user = make_pro()
    policy = marketplace.policy
    policy.business_hours_enabled, policy.pay_on_mutual_interest = business_hours, mutual_interest
    policy.save()
    for weekday in range(7):
        WorkingHoursFactory(marketplace=marketplace, pro=user.pro, weekday=weekday)
    to_accept = new_lead(user, kind="matched", rank_position=1)
    LeadFactory(marketplace=marketplace, request=to_accept.request, pro=make_pro().pro, status="accepted")
    to_reject = new_lead(user)
    client = api_client(marketplace, user)

    accepted = accept(api_client, user, to_accept, {"message": "Tomorrow 9am.", "price": 15000})
    rejected = client.post(f"/api/v1/pro/leads/{to_reject.pk}/reject/", {"reason": "Too far."}, format="json")

    assert accepted.status_code == 200 and rejected.status_code == 200
    assert accepted.json()["status"] == ("interested" if mutual_interest else "accepted")
    assert accepted.json()["accepted_count"] == (1 if mutual_interest else 2)
    assert rejected.json()["reject_reason"] == "Too far."
    listed = {row["id"]: row for row in client.get("/api/v1/pro/leads/").json()["results"]}
    for response, lead in ((accepted, to_accept), (rejected, to_reject)):
        assert response.content == client.get(f"/api/v1/pro/leads/{lead.pk}/").content
        assert response.json() == listed[lead.pk]
        assert response.json()["clock"]["basis"] == ("working_hours" if business_hours else "calendar")
