"""The local gateway's test-mode confirmation: what the provider's mobile SDK does at Stripe.

With Stripe, the app confirms a SetupIntent (saving a card) or a PaymentIntent that needs the
cardholder's authentication with the provider's SDK and the intent's client secret; Stripe then
sends a webhook. With the built-in ``local`` gateway these functions stand in for both halves:
they confirm the intent in the gateway's own book (the client secret is the credential, as at
Stripe) and record a provider event of the same type and shape as Stripe's, processed by the
same task and handlers as a webhook (``billing.stripe_webhooks.provider_event_process``).

Exposed only while ``PAYMENT_GATEWAY=local`` (``billing/api/test_mode.py``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from billing.gateways import LOCAL_TEST_TOKENS
from billing.models import LocalGatewayPayment, LocalGatewaySetupIntent
from billing.stripe_webhooks import provider_event_record
from marketplace.errors import NotFound, PaymentRequired


def _card_usable(payment_method: str) -> None:
    behaviour = LOCAL_TEST_TOKENS.get(payment_method, ("invalid_payment_method", "Unknown payment method."))
    if isinstance(behaviour, tuple):
        raise PaymentRequired(
            "card_declined", f"The test card was declined: {behaviour[1]}", extra={"decline_code": behaviour[0]}
        )


def _intent_id(client_secret: str) -> str:
    """The intent a client secret names (``<id>_secret_<random>``, as at Stripe)."""
    return client_secret.partition("_secret_")[0]


def setup_intent_confirm(*, client_secret: str, payment_method: str) -> dict:
    """Confirm a SetupIntent with a test card; the card is saved when its event is processed.
    Confirming one that already succeeded answers it again and records nothing new."""
    with transaction.atomic():
        intent = LocalGatewaySetupIntent.objects.select_for_update().filter(intent_id=_intent_id(client_secret)).first()
        if intent is None or not constant_time_compare(intent.client_secret, client_secret):
            raise NotFound("resource_missing", _("No such setup intent (or a wrong client secret)."))
        if intent.status != LocalGatewaySetupIntent.Status.SUCCEEDED:
            _card_usable(payment_method)
            intent.status = LocalGatewaySetupIntent.Status.SUCCEEDED
            intent.payment_method = payment_method
            intent.save(update_fields=["status", "payment_method"])
            provider_event_record(
                provider="local",
                event_id=f"evt_{intent.intent_id}_succeeded",
                event_type="setup_intent.succeeded",
                obj=_setup_intent_object(intent),
            )
    return _setup_intent_object(intent)


def _setup_intent_object(intent: LocalGatewaySetupIntent) -> dict:
    return {
        "id": intent.intent_id,
        "object": "setup_intent",
        "status": intent.status,
        "customer": intent.customer,
        "payment_method": intent.payment_method or None,
        "usage": "off_session",
        "metadata": intent.metadata,
    }


def payment_intent_confirm(*, client_secret: str) -> dict:
    """The cardholder authenticates a payment that ``requires_action`` (3-D Secure passed):
    it succeeds, and a ``payment_intent.succeeded`` event settles whatever waits on it."""
    with transaction.atomic():
        payment = LocalGatewayPayment.objects.select_for_update().filter(reference=_intent_id(client_secret)).first()
        if payment is None or not constant_time_compare(payment.client_secret, client_secret):
            raise NotFound("resource_missing", _("No such payment intent (or a wrong client secret)."))
        if payment.requires_action:
            payment.requires_action = False
            payment.succeeded = True
            payment.save(update_fields=["requires_action", "succeeded"])
            provider_event_record(
                provider="local",
                event_id=f"evt_{payment.reference}_succeeded",
                event_type="payment_intent.succeeded",
                obj=_payment_intent_object(payment),
            )
    return _payment_intent_object(payment)


def _payment_intent_object(payment: LocalGatewayPayment) -> dict:
    status = "succeeded" if payment.succeeded else "requires_action" if payment.requires_action else "canceled"
    return {
        "id": payment.reference,
        "object": "payment_intent",
        "status": status,
        "amount": payment.amount,
        "currency": payment.currency.lower(),
        "customer": payment.customer or None,
        "payment_method": payment.payment_method_token,
        "metadata": {"idempotency_key": payment.idempotency_key, **payment.metadata},
    }
