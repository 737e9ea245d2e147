"""Payment gateways behind one interface, chosen by ``settings.PAYMENT_GATEWAY``.

Two Protocols say everything a gateway does, and every gateway implements both in full:

``ChargingGateway``
    take money (``charge``), look a payment up by our key or by its reference, refund.
``CardSavingGateway``
    the pro's customer at the provider, SetupIntents, checking and describing a saved card.

Each call takes a request dataclass carrying everything the provider needs (customer,
metadata, idempotency key): a gateway never reads our tables back. Every call that moves
money carries an idempotency key we stored before the call; a provider answers a repeated
key with the first outcome, so re-calling after a crash (the recovery job) never charges
twice.

The built-in ``local`` gateway (embedded default, demo and tests) charges nothing real; it
keeps its own book (``LocalGateway*`` models) the way a provider does. Test payment-method
tokens:

``pm_card_visa``, ``pm_card_mastercard``
    succeed.
``pm_card_authenticationRequired``
    the bank asks for the cardholder's authentication: the payment ``requires_action`` until
    it is confirmed through the test-mode endpoint (``billing/local_provider.py``).
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Sum

from billing.models_local import LocalGatewayPayment, LocalGatewayRefund, LocalGatewaySetupIntent


class GatewayError(Exception):
    pass


class PaymentDeclined(GatewayError):
    """The card was refused for this payment: it fails (a retry needs a new key)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class AuthenticationRequired(PaymentDeclined):
    """The bank asks for the cardholder's authentication (SCA / 3-D Secure).

    The payment ``reference`` stays open at the provider: the pro's app confirms it on-session
    with ``client_secret`` (the provider's SDK, or the local gateway's test-mode endpoint),
    after which the payment succeeds. A caller that cannot wait for that treats it as the
    decline it subclasses.
    """

    def __init__(self, *, reference: str, client_secret: str, message: str = "") -> None:
        super().__init__("authentication_required", message or "The card needs the cardholder's authentication.")
        self.reference = reference
        self.client_secret = client_secret


class ProviderUnavailable(GatewayError):
    """The outcome is unknown: retry later with the same idempotency key."""


Metadata = Mapping[str, str]


@dataclass(frozen=True)
class ChargeRequest:
    """One payment. A re-call under the same key must be this same request: build it only
    from what the charge row recorded, never from the pro's *current* card or customer."""

    amount: int  # minor units
    currency: str  # ISO 4217, upper case
    payment_method: str
    customer: str  # the provider's customer ("" when the card belongs to none)
    idempotency_key: str
    description: str
    metadata: Metadata = field(default_factory=dict)
    off_session: bool = True  # False: the cardholder is in the app (a top-up)


@dataclass(frozen=True)
class ChargeResult:
    reference: str


PaymentStatus = Literal["succeeded", "requires_action", "processing", "failed"]


@dataclass(frozen=True)
class PaymentState:
    """What the provider says now about one payment (read fresh, never replayed)."""

    reference: str
    status: PaymentStatus
    client_secret: str = ""
    failure_code: str = ""
    failure_message: str = ""


@dataclass(frozen=True)
class RefundRequest:
    reference: str  # the payment to refund
    amount: int
    currency: str
    idempotency_key: str
    metadata: Metadata = field(default_factory=dict)


@dataclass(frozen=True)
class CustomerRequest:
    name: str
    idempotency_key: str
    metadata: Metadata = field(default_factory=dict)


@dataclass(frozen=True)
class SetupIntentRequest:
    customer: str
    idempotency_key: str
    metadata: Metadata = field(default_factory=dict)


@dataclass(frozen=True)
class SetupIntentResult:
    id: str
    client_secret: str
    customer: str


class ChargingGateway(Protocol):
    name: str

    def charge(self, request: ChargeRequest) -> ChargeResult:
        """Take ``request.amount`` minor units. Raises AuthenticationRequired when the bank
        asks for the cardholder (the payment stays open under its reference), PaymentDeclined
        only when the card was refused (the charge fails); anything uncertain — outage, our
        own configuration, a key the provider will not replay — is ProviderUnavailable (the
        charge stays pending)."""
        ...

    def find(self, *, idempotency_key: str) -> ChargeResult | None:
        """The successful payment made under this key, if any (None when none or declined)."""
        ...

    def payment_retrieve(self, *, reference: str) -> PaymentState:
        """The payment's current state at the provider (after an authentication, say)."""
        ...

    def payment_cancel(self, *, reference: str) -> PaymentState:
        """Cancel a payment still waiting for the cardholder, so a late authentication can no
        longer take money; returns the state after (``succeeded`` if it beat the cancel)."""
        ...

    def refund(self, request: RefundRequest) -> str:
        """Give back ``request.amount`` of the payment; returns the refund's reference.
        Raises PaymentDeclined only when the provider refused this refund for good (nothing
        was refunded under the key, so a retry under a new key is safe), else
        ProviderUnavailable (retry with the same key)."""
        ...


class CardSavingGateway(Protocol):
    name: str

    def customer_create(self, request: CustomerRequest) -> str:
        """The provider's customer id; the same key answers the same customer."""
        ...

    def setup_intent_create(self, request: SetupIntentRequest) -> SetupIntentResult:
        """Start saving a card for off-session use; the app confirms ``client_secret``."""
        ...

    def payment_method_valid(self, *, token: str) -> bool:
        """Whether a token names a usable saved payment method."""
        ...

    def payment_method_display(self, *, token: str) -> str:
        """A label for the card ("Visa •••• 4242"), "" when unknown."""
        ...


class PaymentGateway(ChargingGateway, CardSavingGateway, Protocol):
    """What ``gateway_get`` returns: both halves, always."""


# token → None (succeeds), "action" (needs authentication), "unavailable", or a decline.
LOCAL_TEST_TOKENS: dict[str, tuple[str, str] | str | None] = {
    "pm_card_visa": None,
    "pm_card_mastercard": None,
    "pm_card_authenticationRequired": "action",
    "pm_card_chargeDeclined": ("card_declined", "Your card was declined."),
    "pm_card_insufficientFunds": ("insufficient_funds", "Your card has insufficient funds."),
    "pm_card_unavailable": "unavailable",
}
LOCAL_CARD_DISPLAY = {
    "pm_card_visa": "Visa •••• 4242",
    "pm_card_mastercard": "Mastercard •••• 4444",
    "pm_card_authenticationRequired": "Visa •••• 3155",
    "pm_card_chargeDeclined": "Visa •••• 0002",
    "pm_card_insufficientFunds": "Visa •••• 9995",
    "pm_card_unavailable": "Visa •••• 0000",
}
_DECLINE_MESSAGES = {v[0]: v[1] for v in LOCAL_TEST_TOKENS.values() if isinstance(v, tuple)} | {
    "canceled": "The payment was cancelled before it was authenticated."
}


def _local_id(prefix: str, key: str) -> str:
    """Deterministic per key: asking again with the same key names the same object."""
    return f"{prefix}_" + hashlib.sha256(key.encode()).hexdigest()[:24]


class LocalGateway:
    """The built-in test-mode provider. Its book lives in its own tables; ours are never read."""

    name = "local"

    # --- charging ---------------------------------------------------------------------------
    def charge(self, request: ChargeRequest) -> ChargeResult:
        behaviour = LOCAL_TEST_TOKENS.get(request.payment_method, ("invalid_payment_method", "Unknown payment method."))
        if behaviour == "unavailable":
            raise ProviderUnavailable("The local test provider is unavailable for pm_card_unavailable.")
        decline = behaviour if isinstance(behaviour, tuple) else None
        reference = f"lp_{secrets.token_hex(12)}"
        try:
            with transaction.atomic():
                payment = LocalGatewayPayment.objects.create(
                    idempotency_key=request.idempotency_key,
                    amount=request.amount,
                    currency=request.currency,
                    payment_method_token=request.payment_method,
                    customer=request.customer,
                    metadata=dict(request.metadata),
                    succeeded=behaviour is None,
                    requires_action=behaviour == "action",
                    reference=reference,
                    client_secret=f"{reference}_secret_{secrets.token_hex(8)}",
                    decline_code=decline[0] if decline else "",
                )
        except IntegrityError:
            # A repeated key: answer with the first outcome, never charge again.
            payment = LocalGatewayPayment.objects.get(idempotency_key=request.idempotency_key)
        return self._result(payment)

    @staticmethod
    def _result(payment: LocalGatewayPayment) -> ChargeResult:
        if payment.succeeded:
            return ChargeResult(reference=payment.reference)
        if payment.requires_action:
            raise AuthenticationRequired(reference=payment.reference, client_secret=payment.client_secret)
        code = payment.decline_code or "card_declined"
        raise PaymentDeclined(code, _DECLINE_MESSAGES.get(code, "Declined."))

    def find(self, *, idempotency_key: str) -> ChargeResult | None:
        payment = LocalGatewayPayment.objects.filter(idempotency_key=idempotency_key, succeeded=True).first()
        return ChargeResult(reference=payment.reference) if payment else None

    def payment_retrieve(self, *, reference: str) -> PaymentState:
        payment = LocalGatewayPayment.objects.filter(reference=reference).first()
        if payment is None:
            return PaymentState(reference=reference, status="failed", failure_code="resource_missing")
        if payment.succeeded:
            return PaymentState(reference=reference, status="succeeded")
        if payment.requires_action:
            return PaymentState(reference=reference, status="requires_action", client_secret=payment.client_secret)
        code = payment.decline_code or "card_declined"
        return PaymentState(
            reference=reference,
            status="failed",
            failure_code=code,
            failure_message=_DECLINE_MESSAGES.get(code, "Declined."),
        )

    def payment_cancel(self, *, reference: str) -> PaymentState:
        with transaction.atomic():
            payment = LocalGatewayPayment.objects.select_for_update().filter(reference=reference).first()
            if payment is not None and payment.requires_action:
                payment.requires_action = False
                payment.decline_code = "canceled"
                payment.save(update_fields=["requires_action", "decline_code"])
        return self.payment_retrieve(reference=reference)

    def refund(self, request: RefundRequest) -> str:
        existing = LocalGatewayRefund.objects.filter(idempotency_key=request.idempotency_key).first()
        if existing is not None:
            return existing.reference
        with transaction.atomic():
            payment = (
                LocalGatewayPayment.objects.select_for_update()
                .filter(reference=request.reference, succeeded=True)
                .first()
            )
            if payment is None:
                raise PaymentDeclined("charge_not_found", "No such payment to refund.")
            refunded = LocalGatewayRefund.objects.filter(payment=payment).aggregate(total=Sum("amount"))["total"] or 0
            if refunded + request.amount > payment.amount:
                raise PaymentDeclined("charge_already_refunded", "The refund exceeds what is left of the payment.")
            refund, _ = LocalGatewayRefund.objects.get_or_create(
                idempotency_key=request.idempotency_key,
                defaults={
                    "payment": payment,
                    "amount": request.amount,
                    "reference": _local_id("lr", request.idempotency_key),
                    "metadata": dict(request.metadata),
                },
            )
        return refund.reference

    # --- saving a card ----------------------------------------------------------------------
    def customer_create(self, request: CustomerRequest) -> str:
        return _local_id("lcus", request.idempotency_key)

    def setup_intent_create(self, request: SetupIntentRequest) -> SetupIntentResult:
        intent_id = _local_id("lseti", request.idempotency_key)
        intent, _ = LocalGatewaySetupIntent.objects.get_or_create(
            idempotency_key=request.idempotency_key,
            defaults={
                "intent_id": intent_id,
                "customer": request.customer,
                "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
                "metadata": dict(request.metadata),
            },
        )
        return SetupIntentResult(id=intent.intent_id, client_secret=intent.client_secret, customer=intent.customer)

    def payment_method_valid(self, *, token: str) -> bool:
        return token in LOCAL_TEST_TOKENS

    def payment_method_display(self, *, token: str) -> str:
        return LOCAL_CARD_DISPLAY.get(token, "")


def _stripe_gateway() -> PaymentGateway:
    from billing.stripe_gateway import StripeGateway  # only loaded when configured (imports stripe)

    return StripeGateway()


GATEWAYS: dict[str, Callable[[], PaymentGateway]] = {"local": LocalGateway, "stripe": _stripe_gateway}


def gateway_get(name: str | None = None) -> PaymentGateway:
    name = name or settings.PAYMENT_GATEWAY
    try:
        return GATEWAYS[name]()
    except KeyError:
        known = ", ".join(GATEWAYS)
        raise ImproperlyConfigured(f"PAYMENT_GATEWAY={name!r} is not a known gateway ({known}).") from None
