"""Accept → charge through the real `stripe` library against the local Stripe server."""

import datetime as dt

import pytest
from django.utils import timezone

from billing.models import Charge, LedgerEntry
from leads.services.accept import accept_charges_recover

pytestmark = pytest.mark.django_db


def accept(client, lead, **headers):
    return client.post(
        f"/api/v1/pro/leads/{lead.pk}/accept/", {"message": "Can come Tuesday"}, format="json", **headers
    )


def test_accept_charges_the_fee_off_session_with_our_key_and_metadata(
    api_client, marketplace, pro_user, pending_lead, fake_stripe
):
    lead = pending_lead(fee=2500)
    response = accept(api_client(marketplace, pro_user), lead)
    assert response.status_code == 200, response.json()
    assert response.json()["contact"]["phone"]
    [intent] = fake_stripe.payment_intents.values()
    assert intent["amount"] == 2500 and intent["currency"] == "cad" and intent["status"] == "succeeded"
    assert intent["metadata"] == {
        "idempotency_key": f"lead-{lead.pk}-accept",
        "charge_id": str(Charge.objects.get().pk),
        "marketplace": "maple",
        "pro": str(pro_user.pro.pk),
        "lead": str(lead.pk),
    }
    charge = Charge.objects.get()
    assert (charge.status, charge.gateway, charge.gateway_reference) == ("succeeded", "stripe", intent["id"])
    assert LedgerEntry.objects.get().amount == 2500


@pytest.mark.parametrize(
    ("card", "code"),
    [("pm_card_chargeDeclined", "card_declined"), ("pm_card_authenticationRequired", "authentication_required")],
)
def test_a_declined_or_unauthenticated_card_is_402_with_the_providers_code(
    api_client, marketplace, pro_user, pending_lead, fake_stripe, card, code
):
    fake_stripe.payment_methods[card]["customer"] = pro_user.pro.payment_profile.customer_reference
    pro_user.pro.payment_profile.payment_method_token = card
    pro_user.pro.payment_profile.save()
    lead = pending_lead()
    response = accept(api_client(marketplace, pro_user), lead)
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "payment_declined"
    assert response.json()["error"]["decline_code"] == code
    lead.refresh_from_db()
    assert lead.status == "pending"
    assert not LedgerEntry.objects.exists()
    assert Charge.objects.get().status == "failed"


def test_provider_5xx_is_503_then_the_retry_charges_exactly_once(
    api_client, marketplace, pro_user, pending_lead, fake_stripe
):
    lead = pending_lead()
    client = api_client(marketplace, pro_user)
    fake_stripe.fail_next("500")
    first = accept(client, lead)
    assert first.status_code == 503
    assert first["Retry-After"]
    lead.refresh_from_db()
    assert lead.status == "pending" and not LedgerEntry.objects.exists()

    second = accept(client, lead)
    assert second.status_code == 200
    assert len(fake_stripe.payment_intents) == 1
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize("fault", ["timeout_after_work", "drop_after_work"])
def test_provider_succeeded_but_we_never_heard_recovery_finishes_without_charging_twice(
    api_client, marketplace, pro_user, pending_lead, fake_stripe, fault
):
    lead = pending_lead()
    fake_stripe.fail_next(fault)
    response = accept(api_client(marketplace, pro_user), lead)
    assert response.status_code == 503
    assert len(fake_stripe.payment_intents) == 1  # the provider did charge
    assert Charge.objects.get().status == "pending" and not LedgerEntry.objects.exists()

    Charge.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert accept_charges_recover() == {"succeeded": 1}
    assert accept_charges_recover() == {}
    lead.refresh_from_db()
    assert lead.status == "accepted"
    assert len(fake_stripe.payment_intents) == 1  # replayed under our key, not charged again
    assert LedgerEntry.objects.get().amount == 2500


def test_a_double_tap_charges_once(api_client, marketplace, pro_user, pending_lead, fake_stripe):
    lead = pending_lead()
    client = api_client(marketplace, pro_user)
    assert accept(client, lead).status_code == 200
    again = accept(client, lead)
    assert again.status_code == 409
    assert len(fake_stripe.payment_intents) == 1
    assert LedgerEntry.objects.count() == 1
