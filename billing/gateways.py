"""Payment gateways behind one interface, chosen by ``settings.PAYMENT_GATEWAY``.

Every call carries the charge's idempotency key; a provider answers a repeated key with the
first outcome, so re-calling after a crash (the recovery job) never charges twice. A Stripe
gateway plugs in by implementing ``PaymentGateway`` and registering under ``"stripe"``.

The built-in ``local`` gateway (embedded default and tests) charges nothing real. Test
payment-method tokens:

``pm_card_visa``, ``pm_card_mastercard``
    succeed.
``pm_card_chargeDeclined``
    declined (``card_declined``).
``pm_card_insufficientFunds``
    declined (``insufficient_funds``).
``pm_card_unavailable``
    the provider is unreachable: ``ProviderUnavailable`` (the API answers 503 + Retry-After).
Any other token is declined as ``invalid_payment_method``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from billing.models import LocalGatewayPayment


class GatewayError(Exception):
    pass


class PaymentDeclined(GatewayError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ProviderUnavailable(GatewayError):
    """The outcome is unknown: retry later with the same idempotency key."""


@dataclass(frozen=True)
class ChargeResult:
    reference: str


class PaymentGateway(Protocol):
    name: str

    def charge(
        self, *, amount: int, currency: str, payment_method_token: str, idempotency_key: str, description: str
    ) -> ChargeResult:
        """Take ``amount`` minor units. Raises PaymentDeclined only when the card was refused
        (the charge fails); anything uncertain — outage, our own configuration, a key the
        provider will not replay — is ProviderUnavailable (the charge stays pending). A
        re-call with the same key must send the same request: use only what the charge row
        recorded, never the pro's current saved card."""

    def find(self, *, idempotency_key: str) -> ChargeResult | None:
        """The successful charge made under this key, if any (None when none or declined)."""

    def payment_method_valid(self, *, token: str) -> bool:
        """Whether a token names a usable saved payment method."""

    def refund(self, *, reference: str, amount: int, idempotency_key: str, metadata: dict) -> str:
        """Give back ``amount`` of the charge ``reference``; returns the refund's reference.
        Raises PaymentDeclined only when the provider refused this refund for good (nothing
        was refunded under the key, so a retry under a new key is safe), else
        ProviderUnavailable (retry with the same key)."""


LOCAL_TEST_TOKENS = {
    "pm_card_visa": None,
    "pm_card_mastercard": None,
    "pm_card_chargeDeclined": ("card_declined", "Your card was declined."),
    "pm_card_insufficientFunds": ("insufficient_funds", "Your card has insufficient funds."),
    "pm_card_unavailable": "unavailable",
}


class LocalGateway:
    name = "local"

    def charge(
        self, *, amount: int, currency: str, payment_method_token: str, idempotency_key: str, description: str
    ) -> ChargeResult:
        behaviour = LOCAL_TEST_TOKENS.get(payment_method_token, ("invalid_payment_method", "Unknown payment method."))
        if behaviour == "unavailable":
            raise ProviderUnavailable("The local test provider is unavailable for pm_card_unavailable.")
        decline = behaviour if isinstance(behaviour, tuple) else None
        try:
            with transaction.atomic():
                payment = LocalGatewayPayment.objects.create(
                    idempotency_key=idempotency_key,
                    amount=amount,
                    currency=currency,
                    payment_method_token=payment_method_token,
                    succeeded=decline is None,
                    reference=f"lp_{secrets.token_hex(12)}",
                    decline_code=decline[0] if decline else "",
                )
        except IntegrityError:
            # A repeated key: answer with the first outcome, never charge again.
            payment = LocalGatewayPayment.objects.get(idempotency_key=idempotency_key)
        if not payment.succeeded:
            message = dict((code, msg) for code, msg in (v for v in LOCAL_TEST_TOKENS.values() if isinstance(v, tuple)))
            raise PaymentDeclined(payment.decline_code, message.get(payment.decline_code, "Declined."))
        return ChargeResult(reference=payment.reference)

    def find(self, *, idempotency_key: str) -> ChargeResult | None:
        payment = LocalGatewayPayment.objects.filter(idempotency_key=idempotency_key, succeeded=True).first()
        return ChargeResult(reference=payment.reference) if payment else None

    def payment_method_valid(self, *, token: str) -> bool:
        return token in LOCAL_TEST_TOKENS

    def refund(self, *, reference: str, amount: int, idempotency_key: str, metadata: dict) -> str:
        from billing.models import Refund, RefundStatus

        payment = LocalGatewayPayment.objects.filter(reference=reference, succeeded=True).first()
        if payment is None:
            raise PaymentDeclined("charge_not_found", "No such payment to refund.")
        refunded = sum(
            Refund.objects.filter(charge__gateway_reference=reference, status=RefundStatus.SUCCEEDED)
            .exclude(idempotency_key=idempotency_key)
            .values_list("amount", flat=True)
        )
        if refunded + amount > payment.amount:
            raise PaymentDeclined("charge_already_refunded", "The refund exceeds what is left of the payment.")
        # Deterministic per key: asking again with the same key names the same refund.
        return "lr_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


def _stripe_gateway():
    from billing.stripe_gateway import StripeGateway  # only loaded when configured

    return StripeGateway()


GATEWAYS: dict = {"local": LocalGateway, "stripe": _stripe_gateway}


def gateway_get(name: str | None = None) -> PaymentGateway:
    name = name or settings.PAYMENT_GATEWAY
    try:
        return GATEWAYS[name]()
    except KeyError:
        known = ", ".join(GATEWAYS)
        raise ImproperlyConfigured(f"PAYMENT_GATEWAY={name!r} is not a known gateway ({known}).") from None
