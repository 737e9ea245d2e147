"""The Stripe gateway: saved cards (customers + SetupIntents) and off-session contact fees.

The only module, with ``billing/stripe_webhooks.py``, that imports ``stripe``. Every POST
carries an idempotency key we stored before the call (the charge's or refund's own), so a
retry — by the library, by the recovery job, by a pro's second tap — is answered by Stripe
with the first outcome instead of a second charge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import stripe
import structlog
from django.conf import settings

from billing.gateways import (
    AuthenticationRequired,
    ChargeRequest,
    ChargeResult,
    CustomerRequest,
    GatewayError,
    PaymentDeclined,
    PaymentState,
    ProviderUnavailable,
    RefundRequest,
    SetupIntentRequest,
    SetupIntentResult,
)

if TYPE_CHECKING:
    from stripe.params import PaymentIntentCreateParams, SetupIntentCreateParams

logger = structlog.get_logger(__name__)


def stripe_client() -> stripe.StripeClient:
    options: dict = {
        "http_client": stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        "max_network_retries": settings.STRIPE_MAX_NETWORK_RETRIES,
    }
    if settings.STRIPE_API_BASE:
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **options)


def _unavailable(
    exc: stripe.StripeError, *, event: str = "stripe_unavailable", idempotency_key: str = ""
) -> ProviderUnavailable:
    """The outcome stays open (503). Logged as a warning for an outage, as an error for our own
    mistakes (keys, permissions, request shape, a reused key), which no retry will cure."""
    transient = isinstance(exc, stripe.APIConnectionError | stripe.APIError | stripe.RateLimitError)
    (logger.warning if transient else logger.error)(
        event,
        idempotency_key=idempotency_key,
        error_type=type(exc).__name__,
        http_status=exc.http_status,
        code=exc.code,
        error=str(exc),
    )
    return ProviderUnavailable(f"Stripe unavailable: {type(exc).__name__}: {exc.user_message or exc}")


# Refusals of a request that are about the card, not about us: the pro must use another card.
CARD_PROBLEM_CODES = frozenset(
    {
        "payment_method_unactivated",
        "payment_method_unexpected_state",
        "payment_method_not_available",
        "payment_intent_authentication_failure",
        "card_decline_rate_limit_exceeded",
        "expired_card",
    }
)


def _card_problem(exc: stripe.InvalidRequestError) -> bool:
    """A request refused because of the saved card (e.g. deleted or detached at Stripe)."""
    return exc.code in CARD_PROBLEM_CODES or getattr(exc, "param", None) == "payment_method"


def _charge_error(exc: stripe.StripeError, *, idempotency_key: str) -> GatewayError:
    """Map a refused ``payment_intents.create`` (not an IdempotencyError) to our errors.

    Only a card problem is a decline (402, the charge fails). Anything else leaves the
    outcome open — ProviderUnavailable: 503, the charge stays pending, nothing is paid —
    logged at error level when it is our own mistake (key, permissions, request shape).
    """
    intent = getattr(getattr(exc, "error", None), "payment_intent", None)
    if isinstance(exc, stripe.CardError) and exc.code == "authentication_required" and intent is not None:
        return AuthenticationRequired(
            reference=intent.id, client_secret=_secret(intent), message=exc.user_message or ""
        )
    if isinstance(exc, stripe.CardError) or (isinstance(exc, stripe.InvalidRequestError) and _card_problem(exc)):
        return PaymentDeclined(exc.code or "card_declined", exc.user_message or "Your card was declined.")
    return _unavailable(exc, event="stripe_charge_unavailable", idempotency_key=idempotency_key)


def _secret(intent) -> str:
    return getattr(intent, "client_secret", None) or ""


def _metadata(obj) -> dict:
    metadata = getattr(obj, "metadata", None)
    return metadata.to_dict() if metadata is not None else {}


class StripeGateway:
    name = "stripe"

    def __init__(self) -> None:
        self.client = stripe_client()

    # --- charging ---------------------------------------------------------------------------
    def charge(self, request: ChargeRequest) -> ChargeResult:
        """Every parameter comes from the request, which the caller builds from the charge row
        (committed before this call), so a re-call under the same key after a crash is the
        same request: the card and the customer are the ones the charge recorded."""
        params: dict = {
            "amount": request.amount,
            "currency": request.currency.lower(),
            "payment_method": request.payment_method,
            "confirm": True,
            "description": request.description,
            "metadata": {"idempotency_key": request.idempotency_key, **request.metadata},
        }
        if request.off_session:
            params["off_session"] = True
        if request.customer:
            params["customer"] = request.customer
        key = request.idempotency_key
        try:
            intent = self.client.v1.payment_intents.create(
                params=cast("PaymentIntentCreateParams", params), options={"idempotency_key": key}
            )
        except stripe.IdempotencyError as exc:
            # Stripe remembers another request under this key: it never means a decline.
            # Settle from what Stripe recorded under the key, or leave the charge pending.
            logger.error("stripe_idempotency_key_reused", idempotency_key=key, error=str(exc))
            intent = self._intent_for_key(idempotency_key=key, metadata=request.metadata)
            if intent is None:
                raise ProviderUnavailable(
                    f"Stripe refused the reused key {key} and no payment is found under it yet."
                ) from None
        except stripe.StripeError as exc:
            raise _charge_error(exc, idempotency_key=key) from None
        return self._result(intent)

    @staticmethod
    def _result(intent) -> ChargeResult:
        if intent.status == "succeeded":
            return ChargeResult(reference=intent.id)
        if intent.status == "requires_action":
            raise AuthenticationRequired(reference=intent.id, client_secret=_secret(intent))
        if intent.status == "processing":
            # Outcome not known yet: the webhook or the recovery job settles it.
            raise ProviderUnavailable("The payment is still processing at Stripe.")
        error = intent.last_payment_error
        if intent.status != "canceled" and error is None:
            # Not confirmed to an outcome (e.g. requires_confirmation): nothing is known yet.
            raise ProviderUnavailable(f"The payment is {intent.status} at Stripe.")
        raise PaymentDeclined(
            getattr(error, "code", None) or "card_declined", getattr(error, "message", None) or "Declined."
        )

    def _intent_for_key(self, *, idempotency_key: str, metadata: Mapping[str, str]):
        """The PaymentIntent created under our key (read fresh), preferring a succeeded one;
        only intents whose ``charge_id`` metadata (when both have one) matches the request's."""
        wanted = metadata.get("charge_id", "")
        try:
            found = self.client.v1.payment_intents.search(
                params={"query": f"metadata['idempotency_key']:'{idempotency_key}'"}
            )
            intents = [
                self.client.v1.payment_intents.retrieve(intent.id)
                for intent in found.data
                if not wanted or _metadata(intent).get("charge_id") in (None, "", wanted)
            ]
        except stripe.StripeError as exc:
            raise _unavailable(exc) from None
        intents.sort(key=lambda intent: intent.status != "succeeded")
        return intents[0] if intents else None

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

    def payment_retrieve(self, *, reference: str) -> PaymentState:
        try:
            intent = self.client.v1.payment_intents.retrieve(reference)
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing":
                return PaymentState(reference=reference, status="failed", failure_code="resource_missing")
            raise _unavailable(exc) from None
        except stripe.StripeError as exc:
            raise _unavailable(exc) from None
        if intent.status == "succeeded":
            return PaymentState(reference=reference, status="succeeded")
        if intent.status in ("requires_action", "requires_confirmation"):
            return PaymentState(reference=reference, status="requires_action", client_secret=_secret(intent))
        if intent.status == "processing":
            return PaymentState(reference=reference, status="processing")
        if (
            intent.status == "requires_payment_method"
            and getattr(intent.last_payment_error, "code", None) == "authentication_required"
        ):
            # Off-session authentication: the app confirms on-session with the secret.
            return PaymentState(reference=reference, status="requires_action", client_secret=_secret(intent))
        error = intent.last_payment_error
        return PaymentState(
            reference=reference,
            status="failed",
            failure_code=getattr(error, "code", None) or intent.status,
            failure_message=getattr(error, "message", None) or f"The payment is {intent.status} at Stripe.",
        )

    def payment_cancel(self, *, reference: str) -> PaymentState:
        try:
            self.client.v1.payment_intents.cancel(reference, options={"idempotency_key": f"cancel-{reference}"})
        except stripe.InvalidRequestError as exc:
            if exc.code != "payment_intent_unexpected_state":  # e.g. it succeeded meanwhile
                raise _unavailable(exc) from None
        except stripe.StripeError as exc:
            raise _unavailable(exc) from None
        return self.payment_retrieve(reference=reference)

    def refund(self, request: RefundRequest) -> str:
        try:
            refund = self.client.v1.refunds.create(
                params={
                    "payment_intent": request.reference,
                    "amount": request.amount,
                    "metadata": dict(request.metadata),
                },
                options={"idempotency_key": request.idempotency_key},
            )
        except (stripe.InvalidRequestError, stripe.CardError) as exc:
            # Refused for good (e.g. more than is left of the payment): nothing was refunded
            # under this key, so a later retry under a new key is safe.
            raise PaymentDeclined(exc.code or "refund_failed", exc.user_message or str(exc)) from None
        except stripe.StripeError as exc:
            # Our keys or permissions, a reused key, an outage: the outcome stays open and the
            # refund pending, retried under the same key — never failed on a guess.
            raise _unavailable(
                exc, event="stripe_refund_unavailable", idempotency_key=request.idempotency_key
            ) from None
        return refund.id

    # --- saving a card ----------------------------------------------------------------------
    def customer_create(self, request: CustomerRequest) -> str:
        try:
            customer = self.client.v1.customers.create(
                params={"name": request.name, "metadata": dict(request.metadata)},
                options={"idempotency_key": request.idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _unavailable(exc) from None
        return customer.id

    def setup_intent_create(self, request: SetupIntentRequest) -> SetupIntentResult:
        try:
            params: dict[str, Any] = {
                "customer": request.customer,
                "usage": "off_session",
                "payment_method_types": ["card"],
                "metadata": dict(request.metadata),
            }
            intent = self.client.v1.setup_intents.create(
                params=cast("SetupIntentCreateParams", params), options={"idempotency_key": request.idempotency_key}
            )
        except stripe.StripeError as exc:
            raise _unavailable(exc) from None
        return SetupIntentResult(id=intent.id, client_secret=intent.client_secret or "", customer=request.customer)

    def payment_method_valid(self, *, token: str) -> bool:
        try:
            self.client.v1.payment_methods.retrieve(token)
        except stripe.InvalidRequestError:
            return False
        except stripe.StripeError as exc:
            raise _unavailable(exc) from None
        return True

    def payment_method_display(self, *, token: str) -> str:
        try:
            method = self.client.v1.payment_methods.retrieve(token)
        except stripe.StripeError:
            return ""
        card = getattr(method, "card", None)
        return f"{card.brand.title()} •••• {card.last4}" if card else ""
