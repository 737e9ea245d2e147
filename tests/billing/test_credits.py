"""Automatic and goodwill credits (#15 item 4): a lead's fee comes back once, to the wallet or
the card, visible to the pro and to staff by reason."""

import datetime as dt

import pytest
from django.utils import timezone

from billing.credits import credits_unread_grant
from billing.models import (
    LeadCredit,
    LedgerEntry,
    LocalGatewayRefund,
    PaymentMode,
    PaymentPolicy,
    Refund,
    Wallet,
)
from leads.models import Lead, Notification
from tests.factories import LeadFactory, PaymentProfileFactory, QuoteRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro_user(marketplace, settings):
    settings.PAYMENT_GATEWAY = "local"
    user = UserFactory(marketplace=marketplace, role="pro")
    PaymentProfileFactory(marketplace=marketplace, pro=user.pro, payment_method_token="pm_card_visa")
    return user


@pytest.fixture
def prepaid(marketplace):
    return PaymentPolicy.objects.create(marketplace=marketplace, payment_mode=PaymentMode.PREPAID_CREDITS)


def accepted_lead(api_client, marketplace, pro_user, homeowner, fee=2500):
    request = QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner)
    lead = LeadFactory(marketplace=marketplace, pro=pro_user.pro, request=request, fee_amount=fee, kind="new")
    response = api_client(marketplace, pro_user).post(
        f"/api/v1/pro/leads/{lead.pk}/accept/", {"message": "Tuesday works"}, format="json"
    )
    assert response.status_code == 200, response.json()
    return lead


def hours_pass(lead, hours):
    Lead.objects.filter(pk=lead.pk).update(responded_at=timezone.now() - dt.timedelta(hours=hours))


def test_an_answer_never_opened_is_credited_back_to_the_wallet_once(
    api_client, marketplace, prepaid, pro_user, homeowner, django_capture_on_commit_callbacks
):
    client = api_client(marketplace, pro_user)
    assert client.post("/api/v1/pro/wallet/top-ups/", {"amount": 5000}, format="json").json()["status"] == "succeeded"
    lead = accepted_lead(api_client, marketplace, pro_user, homeowner)
    assert client.get("/api/v1/pro/wallet/").json()["balance"]["amount"] == 2500

    hours_pass(lead, 47)
    assert credits_unread_grant() == 0  # still inside the 48-hour window
    hours_pass(lead, 49)
    with django_capture_on_commit_callbacks(execute=True):
        assert credits_unread_grant() == 1
    assert credits_unread_grant() == 0  # never twice

    assert client.get("/api/v1/pro/wallet/").json()["balance"]["amount"] == 5000
    [credit] = client.get("/api/v1/pro/billing/credits/").json()["results"]
    assert (credit["lead"], credit["reason"], credit["amount"]) == (
        lead.pk,
        "unread",
        {"amount": 2500, "currency": "CAD"},
    )
    assert list(LedgerEntry.objects.filter(lead=lead).values_list("kind", "amount")) == [
        ("charge", 2500),
        ("refund", 2500),
    ]
    assert Notification.objects.filter(pro=pro_user.pro, kind="lead.credited", lead=lead).count() == 1
    statement = client.get("/api/v1/pro/billing/statement.csv").content.decode()
    assert "refund" in statement and "Credit (The homeowner never opened the answer)" in statement


def test_an_answer_the_homeowner_opened_is_not_credited(api_client, marketplace, pro_user, homeowner):
    lead = accepted_lead(api_client, marketplace, pro_user, homeowner)
    read = api_client(marketplace, homeowner).get(f"/api/v1/quote-requests/{lead.request_id}/")
    assert read.status_code == 200
    assert Lead.objects.get(pk=lead.pk).answer_opened_at is not None
    hours_pass(lead, 100)
    assert credits_unread_grant() == 0
    assert not LeadCredit.objects.exists()


def test_in_card_mode_the_unread_credit_is_refunded_to_the_card(
    api_client, marketplace, pro_user, homeowner, django_capture_on_commit_callbacks
):
    lead = accepted_lead(api_client, marketplace, pro_user, homeowner)
    hours_pass(lead, 49)
    with django_capture_on_commit_callbacks(execute=True):
        assert credits_unread_grant() == 1
    refund = Refund.objects.get(lead=lead)
    assert (refund.status, refund.amount) == ("succeeded", 2500)
    assert LocalGatewayRefund.objects.get().amount == 2500  # the provider gave the money back
    assert not Wallet.objects.exists()


def test_the_unread_credit_can_be_switched_off(api_client, marketplace, pro_user, homeowner):
    PaymentPolicy.objects.create(marketplace=marketplace, unread_credit_enabled=False)
    lead = accepted_lead(api_client, marketplace, pro_user, homeowner)
    hours_pass(lead, 200)
    assert credits_unread_grant() == 0


def test_staff_grant_a_goodwill_credit_once_and_see_credits_by_reason(
    api_client, marketplace, prepaid, pro_user, homeowner, staff_user, django_capture_on_commit_callbacks
):
    pro_client = api_client(marketplace, pro_user)
    pro_client.post("/api/v1/pro/wallet/top-ups/", {"amount": 5000}, format="json")
    lead = accepted_lead(api_client, marketplace, pro_user, homeowner)
    charge = lead.charges.get()
    staff = api_client(marketplace, staff_user)
    url = f"/api/v1/staff/billing/charges/{charge.pk}/credit/"
    with django_capture_on_commit_callbacks(execute=True):
        granted = staff.post(url, {"reason": "goodwill", "memo": "Homeowner moved away"}, format="json")
    assert granted.status_code == 201, granted.json()
    again = staff.post(url, {"reason": "goodwill", "memo": "again"}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "lead_already_credited")
    credit = LeadCredit.objects.get()
    assert (credit.granted_by, credit.memo) == (staff_user, "Homeowner moved away")
    assert pro_client.get("/api/v1/pro/wallet/").json()["balance"]["amount"] == 5000
    assert staff.get("/api/v1/staff/billing/credits/by-reason/").json() == [
        {"reason": "goodwill", "credits": 1, "amount": {"amount": 2500, "currency": "CAD"}}
    ]
    dispute = pro_client.post(f"/api/v1/pro/leads/{lead.pk}/dispute/", {"reason": "fake_contact"}, format="json")
    assert (dispute.status_code, dispute.json()["error"]["code"]) == (409, "lead_already_credited")
    assert pro_client.post(url, {"reason": "goodwill", "memo": "x"}, format="json").status_code == 403
