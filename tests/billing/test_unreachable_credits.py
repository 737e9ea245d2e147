"""Unreachable-contact credits (#15 item 4): the pro reports a lead's contact unreachable; a
bounce of the homeowner's e-mail, or no confirmation from the homeowner within the window,
credits it automatically (once); a homeowner who confirms hands it to staff."""

import datetime as dt
import json
import time

import pytest
from django.core import mail
from django.utils import timezone

from billing.contact_checks import bounce_signature, contact_checks_sweep
from billing.models import (
    ContactCheck,
    EmailBounce,
    LeadCredit,
    LeadDispute,
    LocalGatewayRefund,
    PaymentMode,
    PaymentPolicy,
    Wallet,
)
from leads.models import Notification
from marketplace.celery import app
from tests.factories import LeadFactory, PaymentProfileFactory, QuoteRequestFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "whsec_email_test"
BOUNCE_URL = "/api/v1/billing/email/bounce/"


@pytest.fixture(autouse=True)
def setup(settings):
    settings.PAYMENT_GATEWAY = "local"
    settings.EMAIL_WEBHOOK_SECRET = SECRET
    app.conf.task_always_eager = True  # the e-mail task queued on commit runs in this thread
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def pro_user(marketplace):
    user = UserFactory(marketplace=marketplace, role="pro")
    PaymentProfileFactory(marketplace=marketplace, pro=user.pro, payment_method_token="pm_card_visa")
    return user


@pytest.fixture
def prepaid(marketplace):
    return PaymentPolicy.objects.create(marketplace=marketplace, payment_mode=PaymentMode.PREPAID_CREDITS)


def paid_lead(api_client, marketplace, pro_user, homeowner, email="sam@example.test"):
    request = QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner, contact_email=email)
    lead = LeadFactory(marketplace=marketplace, pro=pro_user.pro, request=request, fee_amount=2500, kind="new")
    accepted = api_client(marketplace, pro_user).post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}, format="json")
    assert accepted.status_code == 200, accepted.json()
    return lead


def report(client, lead, reason="unreachable_contact"):
    return client.post(f"/api/v1/pro/leads/{lead.pk}/dispute/", {"reason": reason}, format="json")


def bounce(client, email, event_id="evt_1", bounce_type="hard", timestamp=None, secret=SECRET, **fields):
    body = json.dumps(
        {
            "id": event_id,
            "type": "bounce",
            "bounce_type": bounce_type,
            "email": email,
            "occurred_at": timezone.now().isoformat(),
            **fields,
        }
    ).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = f"t={timestamp},v1={bounce_signature(secret=secret, timestamp=timestamp, body=body)}"
    return client.post(BOUNCE_URL, body, content_type="application/json", HTTP_X_EMAIL_SIGNATURE=signature)


def test_a_bounced_homeowner_email_credits_the_reported_lead_to_the_wallet_once(
    api_client, client, marketplace, prepaid, pro_user, homeowner, django_capture_on_commit_callbacks
):
    pro_client = api_client(marketplace, pro_user)
    assert pro_client.post("/api/v1/pro/wallet/top-ups/", {"amount": 5000}, format="json").status_code == 201
    lead = paid_lead(api_client, marketplace, pro_user, homeowner, email="Sam@Example.test")
    with django_capture_on_commit_callbacks(execute=True):
        reported = report(pro_client, lead)
    assert reported.status_code == 201, reported.json()
    assert reported.json()["status"] == "open"
    check = ContactCheck.objects.get()
    assert (check.status, check.email) == ("awaiting", "sam@example.test")
    asked = [m for m in mail.outbox if m.to == ["sam@example.test"]]
    assert len(asked) == 1 and f"#{lead.request_id}" in asked[0].subject

    with django_capture_on_commit_callbacks(execute=True):
        received = bounce(client, "SAM@example.test", diagnostic="550 5.1.1 user unknown")
    assert received.status_code == 200, received.json()
    assert received.json() == {"received": True, "duplicate": False, "credited": 1}
    credit = LeadCredit.objects.get()
    assert (credit.lead_id, credit.reason, credit.amount) == (lead.pk, "unreachable", 2500)
    assert "bounced" in credit.memo
    assert Wallet.objects.get(pro=pro_user.pro).balance == 5000
    assert LeadDispute.objects.get().status == "approved"
    check.refresh_from_db()
    assert (check.status, check.signal) == ("credited", "email_bounced")
    assert Notification.objects.filter(pro=pro_user.pro, kind="lead.credited").count() == 1
    # The provider redelivers, and another bounce arrives: nothing is credited again.
    assert bounce(client, "sam@example.test").json() == {"received": True, "duplicate": True, "credited": 0}
    assert bounce(client, "sam@example.test", event_id="evt_2").json()["credited"] == 0
    assert contact_checks_sweep(now=timezone.now() + dt.timedelta(days=5)) == 0
    assert LeadCredit.objects.count() == 1
    staff = api_client(marketplace, UserFactory(marketplace=marketplace, role="staff"))
    again = staff.post(
        f"/api/v1/staff/billing/charges/{credit.charge_id}/credit/", {"reason": "goodwill", "memo": "x"}, format="json"
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "lead_already_credited")


def test_a_bounce_recorded_before_the_report_credits_at_once(
    api_client, client, marketplace, prepaid, pro_user, homeowner, django_capture_on_commit_callbacks
):
    pro_client = api_client(marketplace, pro_user)
    assert pro_client.post("/api/v1/pro/wallet/top-ups/", {"amount": 5000}, format="json").status_code == 201
    lead = paid_lead(api_client, marketplace, pro_user, homeowner, email="gone@example.test")
    assert bounce(client, "gone@example.test", event_id="evt_early").json()["credited"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        reported = report(pro_client, lead, reason="fake_contact")
    assert reported.status_code == 201
    assert reported.json()["status"] == "approved"
    assert LeadCredit.objects.get().reason == "unreachable"
    assert not [m for m in mail.outbox if m.to == ["gone@example.test"]]  # nobody to ask
    assert Wallet.objects.get(pro=pro_user.pro).balance == 5000


def test_a_homeowner_who_does_not_confirm_in_time_gets_the_card_fee_refunded(
    api_client, marketplace, pro_user, homeowner, django_capture_on_commit_callbacks
):
    lead = paid_lead(api_client, marketplace, pro_user, homeowner)  # card per lead
    assert report(api_client(marketplace, pro_user), lead).status_code == 201
    reported_at = ContactCheck.objects.get().asked_at

    assert contact_checks_sweep(now=reported_at + dt.timedelta(hours=47)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert contact_checks_sweep(now=reported_at + dt.timedelta(hours=48, minutes=1)) == 1
    assert contact_checks_sweep(now=reported_at + dt.timedelta(hours=49)) == 0
    credit = LeadCredit.objects.get()
    assert (credit.reason, credit.memo) == ("unreachable", "The homeowner did not confirm.")
    assert LocalGatewayRefund.objects.get().amount == 2500  # back to the card
    late = api_client(marketplace, homeowner).post(f"/api/v1/quote-requests/{lead.request_id}/confirm/")
    assert (late.status_code, late.json()["error"]["code"]) == (409, "confirmation_window_closed")


def test_a_homeowner_who_confirms_hands_the_report_to_staff(
    api_client, marketplace, prepaid, pro_user, homeowner, django_capture_on_commit_callbacks
):
    pro_client = api_client(marketplace, pro_user)
    assert pro_client.post("/api/v1/pro/wallet/top-ups/", {"amount": 5000}, format="json").status_code == 201
    lead = paid_lead(api_client, marketplace, pro_user, homeowner)
    home = api_client(marketplace, homeowner)
    not_asked = home.post(f"/api/v1/quote-requests/{lead.request_id}/confirm/")
    assert (not_asked.status_code, not_asked.json()["error"]["code"]) == (409, "confirmation_not_requested")
    assert report(pro_client, lead).status_code == 201

    stranger = api_client(marketplace, UserFactory(marketplace=marketplace, role="homeowner"))
    assert stranger.post(f"/api/v1/quote-requests/{lead.request_id}/confirm/").status_code == 404
    assert pro_client.post(f"/api/v1/quote-requests/{lead.request_id}/confirm/").status_code == 403
    confirmed = home.post(f"/api/v1/quote-requests/{lead.request_id}/confirm/")
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json() == {"confirmed": True, "reports": 1}
    assert home.post(f"/api/v1/quote-requests/{lead.request_id}/confirm/").json() == {"confirmed": True, "reports": 0}

    assert contact_checks_sweep(now=timezone.now() + dt.timedelta(days=3)) == 0
    dispute = LeadDispute.objects.get()
    assert dispute.status == "open" and "confirmed" in dispute.details  # staff decide
    assert ContactCheck.objects.get().status == "confirmed"
    assert not LeadCredit.objects.exists()
    assert Wallet.objects.get(pro=pro_user.pro).balance == 2500


def test_with_the_switch_off_a_report_is_a_staff_dispute(api_client, marketplace, prepaid, pro_user, homeowner):
    prepaid.unreachable_credit_enabled = False
    prepaid.save()
    pro_client = api_client(marketplace, pro_user)
    assert pro_client.post("/api/v1/pro/wallet/top-ups/", {"amount": 5000}, format="json").status_code == 201
    lead = paid_lead(api_client, marketplace, pro_user, homeowner)
    assert report(pro_client, lead).status_code == 201
    assert not ContactCheck.objects.exists()
    assert LeadDispute.objects.get().status == "open"


def test_an_out_of_area_dispute_asks_the_homeowner_nothing(api_client, marketplace, pro_user, homeowner):
    lead = paid_lead(api_client, marketplace, pro_user, homeowner)
    assert report(api_client(marketplace, pro_user), lead, reason="out_of_area").status_code == 201
    assert not ContactCheck.objects.exists()


def test_bounce_webhooks_that_are_unsigned_stale_forged_or_malformed_are_refused(client):
    for response in (
        client.post(BOUNCE_URL, {"id": "x"}, content_type="application/json"),
        bounce(client, "a@example.test", timestamp=int(time.time()) - 3600),
        bounce(client, "a@example.test", secret="not-the-secret"),
    ):
        assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_signature")
    malformed = bounce(client, "not-an-address")
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (400, "invalid")
    assert bounce(client, "a@example.test", bounce_type="medium").status_code == 400
    assert not EmailBounce.objects.exists()
    soft = bounce(client, "a@example.test", bounce_type="soft", event_id="evt_soft")
    assert soft.json() == {"received": True, "duplicate": False, "credited": 0}
