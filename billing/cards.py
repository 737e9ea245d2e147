"""Saving a pro's card: the provider customer, SetupIntents, and the card a provider reports.

The writes to ``PaymentProfile`` live here (not in the API): the API and the provider-event
handlers both call these. Every provider call carries a key derived from the pro, so a
retry or a concurrent tap reuses the same customer.
"""

from __future__ import annotations

import secrets

import structlog
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.gateways import CardSavingGateway, CustomerRequest, SetupIntentRequest, SetupIntentResult, gateway_get
from billing.models import PaymentMode, PaymentProfile
from billing.selectors import payment_policy
from marketplace.errors import Conflict, Invalid
from pros.models import Pro

logger = structlog.get_logger(__name__)


def _pro_metadata(pro: Pro) -> dict[str, str]:
    return {"pro": str(pro.pk), "marketplace": pro.marketplace.slug}


def customer_ensure(*, pro: Pro, gateway: CardSavingGateway) -> str:
    """The pro's provider customer, created once: the key ``pro-<id>-customer`` makes a
    concurrent or repeated call reuse it, and the first one recorded wins."""
    profile = PaymentProfile.objects.filter(pro=pro, gateway=gateway.name).exclude(customer_reference="").first()
    if profile:
        return profile.customer_reference
    customer = gateway.customer_create(
        CustomerRequest(name=pro.name, idempotency_key=f"pro-{pro.pk}-customer", metadata=_pro_metadata(pro))
    )
    with transaction.atomic():
        profile, created = PaymentProfile.objects.select_for_update().get_or_create(
            pro=pro,
            defaults={"marketplace_id": pro.marketplace_id, "gateway": gateway.name, "customer_reference": customer},
        )
        if not created and (profile.gateway != gateway.name or not profile.customer_reference):
            # A card saved with another gateway (or a token saved without a customer): the
            # customer belongs to this gateway's world from now on.
            if profile.gateway != gateway.name:
                profile.payment_method_token = ""
                profile.display = ""
            profile.gateway = gateway.name
            profile.customer_reference = customer
            profile.save(
                update_fields=["gateway", "customer_reference", "payment_method_token", "display", "updated_at"]
            )
    return profile.customer_reference


def card_payments_check(*, pro: Pro) -> None:
    """409 ``payments_not_configured`` in a marketplace configured to take no card payments."""
    if payment_policy(marketplace_id=pro.marketplace_id).payment_mode == PaymentMode.NO_CARD_PAYMENTS:
        raise Conflict(
            "payments_not_configured", _("This marketplace takes no card payments; there is no card to save.")
        )


def setup_intent_start(*, pro: Pro, request_key: str = "") -> SetupIntentResult:
    """Start saving a card for off-session use; the app confirms the client secret with the
    provider's SDK (or the local gateway's test-mode endpoint) and the card arrives through
    ``payment_method_attach`` when the provider reports the SetupIntent succeeded."""
    card_payments_check(pro=pro)
    gateway = gateway_get()
    customer = customer_ensure(pro=pro, gateway=gateway)
    return gateway.setup_intent_create(
        SetupIntentRequest(
            customer=customer,
            idempotency_key=f"pro-{pro.pk}-setup-{request_key or secrets.token_hex(8)}",
            metadata=_pro_metadata(pro),
        )
    )


def payment_method_save(*, pro: Pro, token: str, display: str = "") -> PaymentProfile:
    """Save a provider token directly (server-side flow and the local gateway's test cards)."""
    card_payments_check(pro=pro)
    gateway = gateway_get()
    if not gateway.payment_method_valid(token=token):
        raise Invalid(
            "invalid_payment_method",
            _("The payment provider does not know this payment method."),
            fields={"token": [_("Unknown payment method.")]},
        )
    profile, _created = PaymentProfile.objects.update_or_create(
        pro=pro,
        defaults={
            "marketplace_id": pro.marketplace_id,
            "gateway": gateway.name,
            "payment_method_token": token,
            "display": (display or gateway.payment_method_display(token=token))[:60],
        },
    )
    return profile


def payment_method_attach(*, gateway_name: str, customer: str, token: str) -> bool:
    """A SetupIntent succeeded at the provider: the card becomes the customer's pro's saved
    card. False when no pro has that customer (an event for another system)."""
    display = gateway_get(gateway_name).payment_method_display(token=token)
    updated = PaymentProfile.objects.filter(customer_reference=customer, gateway=gateway_name).update(
        payment_method_token=token, display=display[:60], updated_at=timezone.now()
    )
    if updated:
        logger.info("payment_method_saved", gateway=gateway_name, customer=customer)
    return bool(updated)


def payment_method_for(*, pro: Pro) -> PaymentProfile | None:
    """The pro's saved card, if any (``payment_method_token`` set)."""
    return PaymentProfile.objects.filter(pro=pro).exclude(payment_method_token="").first()
