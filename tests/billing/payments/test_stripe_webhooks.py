import datetime as dt
import time

import pytest
from django.db import DatabaseError
from django.utils import timezone

from billing.models import Charge, Chargeback, LedgerEntry, PaymentProfile, ProviderEvent, Refund
from billing.stripe_webhooks import provider_event_process
from leads.models import Lead
from leads.services.accept import accept_charges_recover
from tests.billing.payments.conftest import delivery_timestamp, event, post_webhook, signed
from tests.factories import ChargeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def process_all():
    for pk in ProviderEvent.objects.filter(processed_at__isnull=True).values_list("pk", flat=True):
        provider_event_process(event_id=pk)


def test_setup_intent_succeeded_saves_the_card_on_the_pros_profile(client, pro_user, fake_stripe):
    profile = pro_user.pro.payment_profile
    profile.payment_method_token = ""
    profile.save()
    response = post_webhook(
        client,
        event(
            "setup_intent.succeeded",
            {
                "id": "seti_1",
                "object": "setup_intent",
                "customer": profile.customer_reference,
                "payment_method": "pm_card_mastercard",
                "status": "succeeded",
            },
        ),
    )
    assert response.status_code == 200
    process_all()
    profile.refresh_from_db()
    assert profile.payment_method_token == "pm_card_mastercard"
    assert profile.display == "Mastercard •••• 4444"


@pytest.mark.parametrize("tamper", ["unsigned", "wrong_secret", "stale", "body_changed"])
def test_unsigned_stale_or_tampered_events_are_400_and_change_nothing(client, fake_stripe, tamper):
    payload = event("setup_intent.succeeded", {"id": "seti_1", "customer": "cus_x", "payment_method": "pm_card_visa"})
    secret = "whsec_wrong" if tamper == "wrong_secret" else "whsec_local_test_secret"
    timestamp = int(time.time()) - 3600 if tamper == "stale" else None
    body, header = signed(payload, secret=secret, timestamp=timestamp)
    if tamper == "body_changed":
        body = body.replace("pm_card_visa", "pm_card_attacker")
    headers = {} if tamper == "unsigned" else {"HTTP_STRIPE_SIGNATURE": header}
    response = client.post("/api/v1/billing/stripe/webhook/", data=body, content_type="application/json", **headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert not ProviderEvent.objects.exists()


def test_a_redelivered_event_is_stored_and_processed_once(client, marketplace, fake_stripe):
    charge = ChargeFactory(marketplace=marketplace, gateway="stripe", gateway_reference="pi_123", amount=2500)
    refunded = event(
        "charge.refunded",
        {"id": "ch_1", "object": "charge", "payment_intent": "pi_123", "amount_refunded": 1000},
        event_id="evt_same",
    )
    assert post_webhook(client, refunded).json() == {"received": True, "duplicate": False}
    assert post_webhook(client, refunded).json() == {"received": True, "duplicate": True}
    process_all()
    assert ProviderEvent.objects.count() == 1
    assert Refund.objects.get(charge=charge).amount == 1000
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_refund_events_out_of_order_leave_the_ledger_at_the_providers_total(client, marketplace, fake_stripe):
    charge = ChargeFactory(marketplace=marketplace, gateway="stripe", gateway_reference="pi_9", amount=3000)
    later = event("charge.refunded", {"id": "ch_9", "payment_intent": "pi_9", "amount_refunded": 3000})
    earlier = event("charge.refunded", {"id": "ch_9", "payment_intent": "pi_9", "amount_refunded": 1000})
    post_webhook(client, later)
    post_webhook(client, earlier)
    process_all()
    assert sum(Refund.objects.filter(charge=charge).values_list("amount", flat=True)) == 3000
    assert sum(LedgerEntry.objects.filter(kind="refund").values_list("amount", flat=True)) == 3000


def test_a_chargeback_is_recorded_against_our_charge(client, marketplace, fake_stripe):
    charge = ChargeFactory(marketplace=marketplace, gateway="stripe", gateway_reference="pi_77")
    post_webhook(
        client,
        event(
            "charge.dispute.created",
            {
                "id": "dp_1",
                "object": "dispute",
                "payment_intent": "pi_77",
                "amount": 2500,
                "currency": "cad",
                "reason": "fraudulent",
                "status": "needs_response",
            },
        ),
    )
    process_all()
    chargeback = Chargeback.objects.get()
    assert (chargeback.charge, chargeback.reason, chargeback.currency) == (charge, "fraudulent", "CAD")


def test_unknown_event_types_are_acknowledged_and_ignored(client, fake_stripe):
    assert post_webhook(client, event("customer.updated", {"id": "cus_1"})).status_code == 200
    process_all()
    assert ProviderEvent.objects.get().outcome == "ignored"


def test_setup_intent_endpoint_creates_one_customer_and_returns_a_client_secret(api_client, marketplace, fake_stripe):
    from tests.factories import UserFactory

    user = UserFactory(marketplace=marketplace, role="pro")
    client = api_client(marketplace, user)
    first = client.post("/api/v1/pro/billing/setup-intent/", {}, format="json")
    second = client.post("/api/v1/pro/billing/setup-intent/", {}, format="json")
    assert first.status_code == second.status_code == 201
    assert first.json()["client_secret"].startswith(first.json()["setup_intent"] + "_secret_")
    assert first.json()["customer"] == second.json()["customer"]
    assert len(fake_stripe.customers) == 1
    assert PaymentProfile.objects.get(pro=user.pro).customer_reference == first.json()["customer"]


def test_setup_intent_on_the_local_gateway_is_201_like_the_providers(api_client, marketplace, settings):
    # Issue #14: every gateway saves cards; 409 payments_not_configured is only for a
    # marketplace that takes no card payments (tests/billing/payments/test_local_card_saving.py).
    from tests.factories import UserFactory

    settings.PAYMENT_GATEWAY = "local"
    user = UserFactory(marketplace=marketplace, role="pro")
    response = api_client(marketplace, user).post("/api/v1/pro/billing/setup-intent/", {}, format="json")
    assert response.status_code == 201
    assert response.json()["client_secret"].startswith(response.json()["id"] + "_secret_")
    assert response.json()["gateway"] == "local"


# --- payment_intent.* settle a charge our process never finished ----------------------------


def crash_after_the_provider_answered(api_client, marketplace, pro_user, lead, fake_stripe):
    """The provider did the work, our process never heard: the charge stays pending."""
    fake_stripe.fail_next("drop_after_work")
    response = api_client(marketplace, pro_user).post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}, format="json")
    assert response.status_code == 503
    assert Charge.objects.get().status == "pending"
    [intent] = fake_stripe.payment_intents.values()
    return intent


def test_payment_intent_succeeded_completes_the_crashed_accept_exactly_once(
    client, api_client, marketplace, pro_user, pending_lead, fake_stripe
):
    lead = pending_lead(fee=2500)
    intent = crash_after_the_provider_answered(api_client, marketplace, pro_user, lead, fake_stripe)
    succeeded = event("payment_intent.succeeded", intent, event_id="evt_pi_ok")

    assert post_webhook(client, succeeded).status_code == 200
    process_all()
    assert ProviderEvent.objects.get().outcome == "charge settlement queued"
    charge = Charge.objects.get()
    assert (charge.status, charge.gateway_reference) == ("succeeded", intent["id"])
    lead.refresh_from_db()
    assert lead.status == "accepted" and lead.contact_revealed_at is not None

    # A redelivery, a second event for the same payment and the recovery job change nothing.
    # a redelivery is signed anew: a later timestamp than any delivery so far (the helper keeps
    # them unique, so it may already be ahead of the clock)
    assert post_webhook(client, succeeded, timestamp=delivery_timestamp()).json()["duplicate"] is True
    post_webhook(client, event("payment_intent.succeeded", intent, event_id="evt_pi_ok_again"))
    process_all()
    Charge.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert accept_charges_recover() == {}
    assert len(fake_stripe.payment_intents) == 1
    assert list(LedgerEntry.objects.values_list("kind", "amount")) == [("charge", 2500)]


def test_payment_intent_payment_failed_fails_the_pending_charge_and_leaves_the_lead_pending(
    client, api_client, marketplace, pro_user, pending_lead, fake_stripe
):
    profile = pro_user.pro.payment_profile
    fake_stripe.payment_methods["pm_card_chargeDeclined"]["customer"] = profile.customer_reference
    profile.payment_method_token = "pm_card_chargeDeclined"
    profile.save()
    lead = pending_lead()
    intent = crash_after_the_provider_answered(api_client, marketplace, pro_user, lead, fake_stripe)
    assert intent["status"] == "requires_payment_method"

    assert post_webhook(client, event("payment_intent.payment_failed", intent)).status_code == 200
    process_all()
    charge = Charge.objects.get()
    assert (charge.status, charge.failure_code) == ("failed", "card_declined")
    assert Lead.objects.get(pk=lead.pk).status == "pending"
    assert not LedgerEntry.objects.exists()
    assert len(fake_stripe.payment_intents) == 1


def test_a_settlement_that_raises_leaves_the_charge_to_the_recovery_job(
    client, api_client, marketplace, pro_user, pending_lead, fake_stripe, monkeypatch
):
    lead = pending_lead()
    intent = crash_after_the_provider_answered(api_client, marketplace, pro_user, lead, fake_stripe)

    def charge_raises(self, **kwargs):
        raise DatabaseError("connection lost")

    # Settling reads the payment back (by the reference the event names, or under the key).
    monkeypatch.setattr("billing.stripe_gateway.StripeGateway.charge", charge_raises)
    monkeypatch.setattr("billing.stripe_gateway.StripeGateway.payment_retrieve", charge_raises)
    post_webhook(client, event("payment_intent.succeeded", intent))
    process_all()  # does not raise: the event is processed, the charge left pending
    assert ProviderEvent.objects.get().processed_at is not None
    assert Charge.objects.get().status == "pending"

    monkeypatch.undo()
    Charge.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert accept_charges_recover() == {"succeeded": 1}
    assert len(fake_stripe.payment_intents) == 1


# --- replays -----------------------------------------------------------------------------------

WEBHOOK_URL = "/api/v1/billing/stripe/webhook/"


def deliver(client, body, header):
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


@pytest.fixture
def enqueued(monkeypatch):
    """The event ids queued for processing, without a broker."""
    calls = []
    monkeypatch.setattr("billing.stripe_webhooks.provider_event_enqueue", lambda *, event_id: calls.append(event_id))
    return calls


def test_a_byte_identical_replay_is_400_and_changes_nothing(client, marketplace, fake_stripe, enqueued):
    charge = ChargeFactory(marketplace=marketplace, gateway="stripe", gateway_reference="pi_replay", amount=2500)
    payload = event(
        "charge.refunded",
        {"id": "ch_r", "object": "charge", "payment_intent": "pi_replay", "amount_refunded": 1000},
        event_id="evt_replayed",
    )
    body, header = signed(payload)
    assert deliver(client, body, header).json() == {"received": True, "duplicate": False}

    replay = deliver(client, body, header)
    assert replay.status_code == 400
    assert replay.json()["error"]["code"] == "webhook_replayed"
    assert len(enqueued) == 1  # the replay queued nothing
    process_all()
    assert deliver(client, body, header).status_code == 400  # processed or not, a replay is a replay
    assert ProviderEvent.objects.count() == 1
    assert Refund.objects.get(charge=charge).amount == 1000
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_stripes_redelivery_with_a_new_signature_is_acknowledged_and_requeued_until_processed(
    client, marketplace, fake_stripe, enqueued
):
    payload = event("customer.updated", {"id": "cus_1"}, event_id="evt_redelivered")
    now = int(time.time())
    assert post_webhook(client, payload, timestamp=now).json()["duplicate"] is False
    redelivery = post_webhook(client, payload, timestamp=now + 60)
    assert redelivery.status_code == 200 and redelivery.json()["duplicate"] is True
    event_pk = ProviderEvent.objects.get().pk
    assert enqueued == [event_pk, event_pk]  # not processed yet: queued again

    process_all()
    assert post_webhook(client, payload, timestamp=now + 120).status_code == 200
    assert enqueued == [event_pk, event_pk]  # processed: nothing more to queue
    assert ProviderEvent.objects.get().outcome == "ignored"


def test_with_the_cache_down_a_delivery_is_still_stored_and_a_replay_changes_nothing(
    client, marketplace, fake_stripe, enqueued, monkeypatch
):
    from redis.exceptions import ConnectionError as RedisConnectionError

    def cache_down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr("billing.stripe_webhooks.cache.add", cache_down)
    body, header = signed(event("customer.updated", {"id": "cus_1"}, event_id="evt_cache_down"))
    assert deliver(client, body, header).status_code == 200
    assert deliver(client, body, header).json()["duplicate"] is True  # not recognised, still harmless
    assert ProviderEvent.objects.count() == 1
