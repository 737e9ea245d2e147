"""Pay on mutual interest (#15 item 5, Rule 14): a matched pro's accept is free interest; only the
pros the homeowner connects with are charged and see the contact; interest not taken up lapses
free and is still a response."""

import datetime as dt

import pytest
from django.utils import timezone

from billing.models import Charge, LedgerEntry, LocalGatewayPayment, PaymentMode, PaymentPolicy, PaymentProfile
from leads.models import Lead, LeadEvent, Notification, QuoteRequest, RequestStatus
from leads.services.interest import interests_lapse_due
from ranking.rules import missed_q, responded_q
from ranking.selectors import pro_response_counts, pro_window_leads
from tests.billing.payments.conftest import ProviderSide
from tests.factories import LeadFactory, QuoteRequestFactory, UserFactory
from tests.leads.test_accept_concurrency import run_at_once

pytestmark = pytest.mark.django_db

CONTACT_VALUES = ("Pat Homeowner", "+1 416 555 0100", "pat@example.test")


@pytest.fixture
def mutual(marketplace):
    policy = marketplace.policy
    policy.pay_on_mutual_interest, policy.interest_ttl_hours, policy.matched_capacity = True, 72, 2
    policy.save()
    return policy


@pytest.fixture
def job(marketplace, homeowner, make_pro, mutual):
    """A platform request of ``homeowner`` offered to three matched pros."""
    request = QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner)
    users = [make_pro() for _ in range(3)]
    leads = [
        LeadFactory(marketplace=marketplace, request=request, pro=u.pro, kind="matched", rank_position=i + 1)
        for i, u in enumerate(users)
    ]
    return request, users, leads


def interest(api_client, user, lead, **body):
    response = api_client(user.marketplace, user).post(f"/api/v1/pro/leads/{lead.pk}/accept/", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def connect(api_client, homeowner, request, pro, **headers):
    client = api_client(homeowner.marketplace, homeowner)
    return client.post(f"/api/v1/quote-requests/{request.pk}/connect/", {"pro": pro.pk}, format="json", **headers)


def contact_anywhere(payload) -> bool:
    text = str(payload)
    return any(value in text for value in CONTACT_VALUES[1:])


def test_a_matched_pros_accept_is_free_interest_with_no_contact_shown(api_client, job):
    request, users, leads = job

    body = interest(api_client, users[0], leads[0], message="I can come Tuesday", price=18000)

    assert body["status"] == "interested"
    assert body["contact"] is None and not contact_anywhere(body)
    assert body["quote"] == {"message": "I can come Tuesday", "price_min": 18000, "price_max": 18000}
    assert body["interest_expires_at"] is not None
    assert Charge.objects.count() == 0 and LedgerEntry.objects.count() == 0
    lead = Lead.objects.get(pk=leads[0].pk)
    assert lead.responded_at is not None and lead.contact_revealed_at is None
    # Accepting again changes nothing and still charges nothing.
    assert interest(api_client, users[0], leads[0])["quote"]["message"] == "I can come Tuesday"
    assert Charge.objects.count() == 0


def test_the_homeowner_sees_interested_pros_profiles_and_quotes_but_no_contact(api_client, job, homeowner):
    request, users, leads = job
    users[0].pro.phone, users[0].pro.website = "+1 416 555 0199", "https://pro.example.test"
    users[0].pro.save()
    interest(api_client, users[0], leads[0], message="Tuesday", price=18000)
    interest(api_client, users[1], leads[1], message="Wednesday")

    response = api_client(homeowner.marketplace, homeowner).get(f"/api/v1/quote-requests/{request.pk}/interests/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["pro"]["id"] for row in rows] == [users[0].pro.pk, users[1].pro.pk]
    first = rows[0]
    assert first["status"] == "interested" and first["contact"] is None and first["connected_at"] is None
    assert first["pro"]["star_score"] == 90 and "review_count" in first["pro"]
    assert first["quote"] == {"message": "Tuesday", "price_min": 18000, "price_max": 18000}
    assert "+1 416 555 0199" not in str(rows)
    detail = api_client(homeowner.marketplace, homeowner).get(f"/api/v1/quote-requests/{request.pk}/").json()
    assert detail["status"] == "open"
    assert {lead["status"] for lead in detail["leads"]} == {"interested", "pending"}


def test_with_mutual_interest_only_the_pro_the_homeowner_chooses_is_charged(
    api_client, job, homeowner, django_capture_on_commit_callbacks
):
    request, users, leads = job
    for user, lead in zip(users, leads, strict=True):
        interest(api_client, user, lead)
    chosen = users[1]

    with django_capture_on_commit_callbacks(execute=True):
        response = connect(api_client, homeowner, request, chosen.pro)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "accepted" and body["pro"]["id"] == chosen.pro.pk
    assert body["contact"] == {"phone": chosen.pro.phone, "website": chosen.pro.website}
    charge = Charge.objects.get()
    assert (charge.pro_id, charge.amount, charge.status) == (chosen.pro.pk, 2500, "succeeded")
    assert LocalGatewayPayment.objects.count() == 1
    assert list(LedgerEntry.objects.values_list("pro_id", "amount")) == [(chosen.pro.pk, 2500)]
    # The chosen pro now sees the contact, and was told it; the others still see nothing.
    chosen_lead = api_client(chosen.marketplace, chosen).get(f"/api/v1/pro/leads/{leads[1].pk}/").json()
    assert chosen_lead["status"] == "accepted"
    assert chosen_lead["contact"] == {"name": "Pat Homeowner", "phone": "+1 416 555 0100", "email": "pat@example.test"}
    notice = Notification.objects.get(pro=chosen.pro, kind="lead.connected")
    assert notice.payload["contact"]["phone"] == "+1 416 555 0100" and notice.lead_id == leads[1].pk
    other = api_client(users[0].marketplace, users[0]).get(f"/api/v1/pro/leads/{leads[0].pk}/").json()
    assert other["status"] == "interested" and other["contact"] is None
    assert not Notification.objects.filter(pro=users[0].pro, kind="lead.connected").exists()
    # The response time is the interest's, not the connect's; the homeowner's answer counts as opened.
    lead = Lead.objects.get(pk=leads[1].pk)
    assert lead.responded_at < lead.contact_revealed_at and lead.answer_opened_at is not None
    assert LeadEvent.objects.filter(lead=lead, to_status="accepted", actor=homeowner).exists()


def test_connecting_twice_or_retrying_with_the_same_key_charges_once(api_client, job, homeowner):
    request, users, leads = job
    interest(api_client, users[0], leads[0])

    first = connect(api_client, homeowner, request, users[0].pro, HTTP_IDEMPOTENCY_KEY="connect-1")
    replay = connect(api_client, homeowner, request, users[0].pro, HTTP_IDEMPOTENCY_KEY="connect-1")
    again = connect(api_client, homeowner, request, users[0].pro)

    assert first.status_code == replay.status_code == again.status_code == 200
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    assert again.json()["status"] == "accepted"
    assert Charge.objects.count() == 1 and LocalGatewayPayment.objects.count() == 1


def test_matched_capacity_counts_connections_and_closes_the_other_interest(api_client, job, homeowner):
    request, users, leads = job  # capacity 2
    for user, lead in zip(users, leads, strict=True):
        interest(api_client, user, lead)

    assert connect(api_client, homeowner, request, users[0].pro).status_code == 200
    assert Lead.objects.get(pk=leads[2].pk).status == "interested"  # interest alone takes no capacity
    assert connect(api_client, homeowner, request, users[1].pro).status_code == 200

    assert Lead.objects.get(pk=leads[2].pk).status == "filled"
    late = connect(api_client, homeowner, request, users[2].pro)
    assert late.status_code == 409 and late.json()["error"]["code"] == "request_filled"
    assert sorted(Charge.objects.values_list("pro_id", flat=True)) == sorted([users[0].pro.pk, users[1].pro.pk])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_connects_never_exceed_the_matched_capacity(api_client, marketplace, make_pro, mutual):
    homeowner = UserFactory(marketplace=marketplace, role="homeowner")
    request = QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner)
    users = [make_pro() for _ in range(5)]
    leads = [LeadFactory(marketplace=marketplace, request=request, pro=u.pro, kind="matched") for u in users]
    for user, lead in zip(users, leads, strict=True):
        interest(api_client, user, lead)

    def call(pro):
        return lambda: connect(api_client, homeowner, request, pro).status_code

    codes = run_at_once([call(u.pro) for u in users])

    assert sorted(codes) == [200, 200, 409, 409, 409], codes
    assert Lead.objects.filter(request=request, status="accepted").count() == 2
    assert Charge.objects.filter(status="succeeded").count() == 2
    assert LocalGatewayPayment.objects.count() == 2


def test_interest_lapses_after_its_ttl_at_no_cost_and_still_counts_as_a_response(api_client, job, homeowner, mutual):
    request, users, leads = job
    interest(api_client, users[0], leads[0])
    later = timezone.now() + dt.timedelta(hours=72, minutes=1)
    Lead.objects.filter(pk=leads[0].pk).update(interest_expires_at=timezone.now() - dt.timedelta(minutes=1))

    # Read paths say lapsed before the sweep runs; connecting is too late.
    pro_view = api_client(users[0].marketplace, users[0]).get(f"/api/v1/pro/leads/{leads[0].pk}/").json()
    assert pro_view["status"] == "lapsed"
    response = connect(api_client, homeowner, request, users[0].pro)
    assert response.status_code == 409 and response.json()["error"]["code"] == "interest_lapsed"

    assert interests_lapse_due(now=later) == 1
    assert interests_lapse_due(now=later) == 0
    lead = Lead.objects.get(pk=leads[0].pk)
    assert lead.status == "lapsed" and lead.contact_revealed_at is None
    assert Charge.objects.count() == 0 and LedgerEntry.objects.count() == 0
    counts = pro_response_counts(
        leads=pro_window_leads(marketplace=request.marketplace, pro=users[0].pro, policy=mutual, now=later)
    )
    assert (counts.responded, counts.missed) == (1, 0)
    assert Lead.objects.filter(responded_q(), pk=lead.pk).exists()
    assert not Lead.objects.filter(missed_q(later), pk=lead.pk).exists()


def test_the_lapse_sweep_closes_a_request_with_nothing_left_open(api_client, marketplace, homeowner, make_pro, mutual):
    request = QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner)
    user = make_pro()
    lead = LeadFactory(marketplace=marketplace, request=request, pro=user.pro, kind="matched")
    interest(api_client, user, lead)
    assert QuoteRequest.objects.get(pk=request.pk).status == RequestStatus.OPEN

    interests_lapse_due(now=timezone.now() + dt.timedelta(hours=73))

    assert QuoteRequest.objects.get(pk=request.pk).status == RequestStatus.CLOSED


def test_connecting_a_pro_that_showed_no_interest_is_409(api_client, job, homeowner, make_pro):
    request, users, leads = job

    pending = connect(api_client, homeowner, request, users[0].pro)
    stranger = connect(api_client, homeowner, request, make_pro().pro)

    assert pending.status_code == stranger.status_code == 409
    assert pending.json()["error"]["code"] == stranger.json()["error"]["code"] == "pro_not_interested"
    assert Charge.objects.count() == 0


def test_another_homeowners_request_is_404(api_client, job, marketplace):
    request, users, leads = job
    interest(api_client, users[0], leads[0])
    intruder = UserFactory(marketplace=marketplace, role="homeowner")

    assert connect(api_client, intruder, request, users[0].pro).status_code == 404
    listing = api_client(marketplace, intruder).get(f"/api/v1/quote-requests/{request.pk}/interests/")
    assert listing.status_code == 404
    assert Charge.objects.count() == 0


def test_a_pro_whose_card_is_declined_is_told_and_completes_the_connection_itself(
    api_client, job, homeowner, make_pro, django_capture_on_commit_callbacks
):
    request, users, leads = job
    broke = make_pro(card="pm_card_chargeDeclined")
    lead = LeadFactory(marketplace=request.marketplace, request=request, pro=broke.pro, kind="matched")
    interest(api_client, broke, lead, message="Friday")

    with django_capture_on_commit_callbacks(execute=True):
        response = connect(api_client, homeowner, request, broke.pro)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "pro_payment_failed"
    assert "payment_declined" in str(response.json())
    assert Lead.objects.get(pk=lead.pk).status == "interested"  # the interest is kept
    assert Notification.objects.filter(pro=broke.pro, kind="lead.connect_payment_failed", lead=lead).count() == 1
    assert not contact_anywhere(api_client(broke.marketplace, broke).get(f"/api/v1/pro/leads/{lead.pk}/").json())
    assert LedgerEntry.objects.count() == 0

    # The pro saves a working card and accepts again: charged once, connected, contact shown.
    PaymentProfile.objects.filter(pro=broke.pro).update(payment_method_token="pm_card_visa")
    retry = api_client(broke.marketplace, broke).post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}, format="json")
    assert retry.status_code == 200, retry.json()
    assert retry.json()["status"] == "accepted" and retry.json()["contact"]["phone"] == "+1 416 555 0100"
    assert retry.json()["quote"]["message"] == "Friday"
    assert Charge.objects.filter(pro=broke.pro, status="succeeded").count() == 1


def test_too_little_prepaid_credit_is_the_pros_to_fix_and_a_wallet_debit_connects(
    api_client, job, homeowner, marketplace
):
    PaymentPolicy.objects.create(marketplace=marketplace, payment_mode=PaymentMode.PREPAID_CREDITS)
    request, users, leads = job
    interest(api_client, users[0], leads[0])

    short = connect(api_client, homeowner, request, users[0].pro)
    assert short.status_code == 409 and short.json()["error"]["code"] == "pro_payment_failed"
    assert "insufficient_credit" in str(short.json())

    pro_client = api_client(marketplace, users[0])
    assert pro_client.post("/api/v1/pro/wallet/top-ups/", {"amount": 5000}, format="json").json()["status"] == (
        "succeeded"
    )
    assert connect(api_client, homeowner, request, users[0].pro).status_code == 200
    assert pro_client.get("/api/v1/pro/wallet/").json()["balance"]["amount"] == 2500
    assert Charge.objects.filter(pro=users[0].pro, status="succeeded").count() == 1


def test_with_the_switch_off_a_matched_accept_charges_at_once(api_client, job, mutual):
    request, users, leads = job
    mutual.pay_on_mutual_interest = False
    mutual.save()

    body = interest(api_client, users[0], leads[0])

    assert body["status"] == "accepted" and body["contact"] is not None
    assert Charge.objects.filter(pro=users[0].pro).count() == 1


def test_cancelling_the_request_withdraws_interest_for_free(api_client, job, homeowner):
    request, users, leads = job
    interest(api_client, users[0], leads[0])

    response = api_client(homeowner.marketplace, homeowner).post(f"/api/v1/quote-requests/{request.pk}/cancel/")

    assert response.status_code == 200
    assert Lead.objects.get(pk=leads[0].pk).status == "withdrawn"
    assert Charge.objects.count() == 0


@pytest.fixture
def local_provider(settings, client):
    settings.PAYMENT_GATEWAY = "local"
    return ProviderSide("local", client)


def test_a_connect_needing_the_pros_authentication_completes_once_by_the_providers_event(
    api_client, job, homeowner, make_pro, local_provider, django_capture_on_commit_callbacks
):
    request, users, leads = job
    pro_user = make_pro(card="pm_card_authenticationRequired")
    lead = LeadFactory(marketplace=request.marketplace, request=request, pro=pro_user.pro, kind="matched")
    interest(api_client, pro_user, lead, message="Monday")

    response = connect(api_client, homeowner, request, pro_user.pro)
    assert response.status_code == 409 and response.json()["error"]["code"] == "pro_payment_failed"
    assert "authentication_required" in str(response.json())
    assert "client_secret" not in str(response.json())  # the pro's payment is not the homeowner's business
    assert Charge.objects.get().status == "pending"  # held for this pro while it authenticates

    # The pro's app: accept again → 402 with the client secret → confirm → the event completes it.
    pro_client = api_client(pro_user.marketplace, pro_user)
    error = pro_client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}, format="json").json()["error"]
    assert error["code"] == "authentication_required"
    assert local_provider.confirm("payment", error["client_secret"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        local_provider.deliver()

    lead.refresh_from_db()
    assert lead.status == "accepted" and lead.quote_message == "Monday"
    assert Notification.objects.filter(pro=pro_user.pro, kind="lead.connected").count() == 1
    assert connect(api_client, homeowner, request, pro_user.pro).json()["status"] == "accepted"
    assert list(LedgerEntry.objects.values_list("pro_id", "amount")) == [(pro_user.pro.pk, 2500)]
    assert LocalGatewayPayment.objects.filter(succeeded=True).count() == 1
