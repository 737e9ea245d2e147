"""Accept → charge through the real `stripe` library against the local Stripe server."""

import datetime as dt

import pytest
from django.utils import timezone
from structlog.testing import capture_logs

from billing.models import Charge, LedgerEntry
from leads.models import Lead
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


def test_a_declined_card_is_402_with_the_providers_code(api_client, marketplace, pro_user, pending_lead, fake_stripe):
    card = "pm_card_chargeDeclined"
    fake_stripe.payment_methods[card]["customer"] = pro_user.pro.payment_profile.customer_reference
    pro_user.pro.payment_profile.payment_method_token = card
    pro_user.pro.payment_profile.save()
    lead = pending_lead()
    response = accept(api_client(marketplace, pro_user), lead)
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "payment_declined"
    assert response.json()["error"]["decline_code"] == "card_declined"
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


def crash_after_the_provider_charged(client, lead, fake_stripe):
    """The provider charged, the answer was lost: a pending charge for recovery, older than a minute."""
    fake_stripe.fail_next("drop_after_work")
    assert accept(client, lead).status_code == 503
    [intent] = fake_stripe.payment_intents.values()
    assert intent["status"] == "succeeded" and Charge.objects.get().status == "pending"
    Charge.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    return intent


def test_recovery_after_the_pro_saved_a_new_card_resends_the_first_request_and_charges_once(
    api_client, marketplace, pro_user, pending_lead, fake_stripe
):
    lead = pending_lead()
    client = api_client(marketplace, pro_user)
    first = crash_after_the_provider_charged(client, lead, fake_stripe)
    profile = pro_user.pro.payment_profile  # a new card saved before the recovery job ran
    fake_stripe.payment_methods["pm_card_mastercard"]["customer"] = profile.customer_reference
    profile.payment_method_token = "pm_card_mastercard"
    profile.save()

    assert accept_charges_recover() == {"succeeded": 1}
    charge = Charge.objects.get()
    assert (charge.status, charge.gateway_reference) == ("succeeded", first["id"])
    assert Lead.objects.get(pk=lead.pk).status == "accepted"
    assert accept(client, lead).status_code == 409  # no second accept, no second charge
    assert len(fake_stripe.payment_intents) == 1
    assert list(LedgerEntry.objects.values_list("kind", "amount")) == [("charge", 2500)]


def test_an_idempotency_error_is_settled_by_what_stripe_recorded_under_the_key(
    api_client, marketplace, pro_user, pending_lead, fake_stripe
):
    lead = pending_lead()
    first = crash_after_the_provider_charged(api_client(marketplace, pro_user), lead, fake_stripe)
    # Our side of the request changed (here: the customer recorded on the charge), so Stripe
    # refuses the key as reused.
    Charge.objects.update(customer_reference="cus_replaced")

    with capture_logs() as logs:
        assert accept_charges_recover() == {"succeeded": 1}
    assert Charge.objects.get().gateway_reference == first["id"]
    assert len(fake_stripe.payment_intents) == 1
    assert LedgerEntry.objects.get().amount == 2500
    assert any(e["event"] == "stripe_idempotency_key_reused" and e["log_level"] == "error" for e in logs)


def test_an_idempotency_error_with_no_payment_found_under_the_key_leaves_the_charge_pending(
    api_client, marketplace, pro_user, pending_lead, fake_stripe
):
    lead = pending_lead()
    # Stripe remembers another request under this key, and its payment is not searchable yet.
    fake_stripe.idempotency[f"lead-{lead.pk}-accept"] = ("another request", 200, {})
    response = accept(api_client(marketplace, pro_user), lead)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "payment_provider_unavailable"
    assert Charge.objects.get().status == "pending"
    assert Lead.objects.get(pk=lead.pk).status == "pending"
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("fault", "level"),
    [
        ("401", "error"),  # our API key is wrong
        ("403", "error"),  # our key lacks a permission
        ("400", "error"),  # we sent a request Stripe does not understand
        ("500", "warning"),
        ("429", "warning"),
    ],
)
def test_refusals_that_are_not_card_problems_are_503_and_neither_fail_nor_pay_the_charge(
    api_client, marketplace, pro_user, pending_lead, fake_stripe, fault, level
):
    lead = pending_lead()
    fake_stripe.fail_next(fault)
    with capture_logs() as logs:
        response = accept(api_client(marketplace, pro_user), lead)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "payment_provider_unavailable"
    assert response["Retry-After"]
    assert Charge.objects.get().status == "pending"
    assert Lead.objects.get(pk=lead.pk).status == "pending"
    assert not LedgerEntry.objects.exists()
    assert any(e["event"] == "stripe_charge_unavailable" and e["log_level"] == level for e in logs), logs


def test_a_saved_card_stripe_no_longer_knows_is_a_decline(api_client, marketplace, pro_user, pending_lead, fake_stripe):
    profile = pro_user.pro.payment_profile
    profile.payment_method_token = "pm_card_detached"
    profile.save()
    lead = pending_lead()
    response = accept(api_client(marketplace, pro_user), lead)
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "payment_declined"
    assert Charge.objects.get().status == "failed"
    assert not fake_stripe.payment_intents
