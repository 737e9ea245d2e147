"""The Stripe gateway: saved cards (customers + SetupIntents) and off-session contact fees.

The only module, with ``billing/stripe_webhooks.py``, that imports ``stripe``. Every POST
carries an idempotency key we stored before the call (the charge's or refund's own), so a
retry — by the library, by the recovery job, by a pro's second tap — is answered by Stripe
with the first outcome instead of a second charge.
"""

from __future__ import annotations

import stripe
from django.conf import settings

from billing.gateways import ChargeResult, PaymentDeclined, ProviderUnavailable
from billing.models import Charge, PaymentProfile


def stripe_client() -> stripe.StripeClient:
    options: dict = {
        "http_client": stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        "max_network_retries": settings.STRIPE_MAX_NETWORK_RETRIES,
    }
    if settings.STRIPE_API_BASE:
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **options)


def _unavailable(exc: stripe.StripeError) -> ProviderUnavailable:
    return ProviderUnavailable(f"Stripe unavailable: {type(exc).__name__}: {exc.user_message or exc}")


class StripeGateway:
    name = "stripe"
    supports_setup_intents = True

    def __init__(self) -> None:
        self.client = stripe_client()

    # --- contact fees -----------------------------------------------------------------------
    def charge(
        self, *, amount: int, currency: str, payment_method_token: str, idempotency_key: str, description: str
    ) -> ChargeResult:
        charge = (
            Charge.objects.filter(idempotency_key=idempotency_key)
            .values("marketplace__slug", "pro_id", "lead_id", "pk")
            .first()
            or {}
        )
        customer = (
            PaymentProfile.objects.filter(payment_method_token=payment_method_token, pro_id=charge.get("pro_id"))
            .values_list("customer_reference", flat=True)
            .first()
        )
        params = {
            "amount": amount,
            "currency": currency.lower(),
            "payment_method": payment_method_token,
            "off_session": True,
            "confirm": True,
            "description": description,
            "metadata": {
                "idempotency_key": idempotency_key,
                "charge_id": str(charge.get("pk", "")),
                "marketplace": charge.get("marketplace__slug", ""),
                "pro": str(charge.get("pro_id", "")),
                "lead": str(charge.get("lead_id", "")),
            },
        }
        if customer:
            params["customer"] = customer
        try:
            intent = self.client.v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})
        except stripe.CardError as exc:
            raise PaymentDeclined(exc.code or "card_declined", exc.user_message or "Your card was declined.") from None
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
            raise _unavailable(exc) from None
        except stripe.StripeError as exc:
            # A request Stripe refuses (e.g. a detached card) will not succeed on retry.
            raise PaymentDeclined(exc.code or "payment_error", exc.user_message or str(exc)) from None
        return self._result(intent)

    @staticmethod
    def _result(intent) -> ChargeResult:
        if intent.status == "succeeded":
            return ChargeResult(reference=intent.id)
        if intent.status == "requires_action":
            raise PaymentDeclined("authentication_required", "The card needs the cardholder's authentication.")
        if intent.status == "processing":
            # Outcome not known yet: the webhook or the recovery job settles it.
            raise ProviderUnavailable("The payment is still processing at Stripe.")
        error = intent.last_payment_error
        raise PaymentDeclined(
            getattr(error, "code", None) or "card_declined", getattr(error, "message", None) or "Declined."
        )

    def find(self, *, idempotency_key: str) -> ChargeResult | None:
        try:
            found = self.client.v1.payment_intents.search(
                params={"query": f"metadata['idempotency_key']:'{idempotency_key}'"}
            )
        except stripe.StripeError as exc:
            raise _unavailable(exc) from None
        for intent in found.data:
            if intent.status == "succeeded":
                return ChargeResult(reference=intent.id)
        return None

    def payment_method_valid(self, *, token: str) -> bool:
        try:
            self.client.v1.payment_methods.retrieve(token)
        except stripe.InvalidRequestError:
            return False
        except stripe.StripeError as exc:
            raise _unavailable(exc) from None
        return True

    # --- refunds ----------------------------------------------------------------------------
    def refund(self, *, reference: str, amount: int, idempotency_key: str, metadata: dict) -> str:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": reference, "amount": amount, "metadata": metadata},
                options={"idempotency_key": idempotency_key},
            )
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
            raise _unavailable(exc) from None
        except stripe.StripeError as exc:
            raise PaymentDeclined(exc.code or "refund_failed", exc.user_message or str(exc)) from None
        return refund.id

    # --- saving a card ----------------------------------------------------------------------
    def customer_create(self, *, pro, idempotency_key: str) -> str:
        try:
            customer = self.client.v1.customers.create(
                params={"name": pro.name, "metadata": {"pro": str(pro.pk), "marketplace": pro.marketplace.slug}},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _unavailable(exc) from None
        return customer.id

    def setup_intent_create(self, *, customer: str, pro, idempotency_key: str) -> dict:
        try:
            intent = self.client.v1.setup_intents.create(
                params={
                    "customer": customer,
                    "usage": "off_session",
                    "payment_method_types": ["card"],
                    "metadata": {"pro": str(pro.pk), "marketplace": pro.marketplace.slug},
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _unavailable(exc) from None
        return {"id": intent.id, "client_secret": intent.client_secret, "customer": customer}

    def payment_method_display(self, *, token: str) -> str:
        try:
            method = self.client.v1.payment_methods.retrieve(token)
        except stripe.StripeError:
            return ""
        card = getattr(method, "card", None)
        return f"{card.brand.title()} •••• {card.last4}" if card else ""
