"""Billing writes: the charge lifecycle (open → succeed/fail/void).

Callers own the transaction and the row locks; these functions only write billing rows.
The gateway is never called inside a transaction (see ``charge_gateway_call``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import cards, wallet
from billing.fees import week_start
from billing.gateways import (
    AuthenticationRequired,
    ChargeRequest,
    ChargeResult,
    PaymentDeclined,
    PaymentState,
    ProviderUnavailable,
    gateway_get,
)
from billing.ledger import ledger_charge_record
from billing.models import Charge, ChargeStatus, PaymentMode, PaymentPolicy, PaymentProfile, Wallet
from billing.selectors import payment_policy
from billing.types import ChargeableLead
from marketplace import metrics
from marketplace.compiled import CompiledSelect, model_insert, model_update
from marketplace.errors import Conflict, PaymentRequired
from marketplace.models import Marketplace
from pros.models import Pro

ZERO_FEE_GATEWAY = "none"


def pro_week_spend(*, marketplace: Marketplace, pro_id: int, now: dt.datetime) -> int:
    """Live (pending or paid) charges of this ISO week in the marketplace's time zone."""
    total = Charge.objects.filter(
        pro_id=pro_id,
        status__in=[ChargeStatus.PENDING, ChargeStatus.SUCCEEDED],
        created_at__gte=week_start(marketplace=marketplace, now=now),
    ).aggregate(total=Sum("amount"))["total"]
    return total or 0


def spend_cap_check(*, marketplace: Marketplace, pro: Pro, amount: int, now: dt.datetime) -> None:
    """402 ``spend_cap_reached`` when ``amount`` would take the pro over its weekly cap.

    The caller holds the pro row locked, so concurrent accepts of one pro serialise here.
    """
    if pro.weekly_spend_cap is None or amount == 0:
        return
    spent = pro_week_spend(marketplace=marketplace, pro_id=pro.pk, now=now)
    if spent + amount > pro.weekly_spend_cap:
        raise PaymentRequired(
            "spend_cap_reached",
            _("This fee would take you over your weekly spend cap."),
            extra={"spent": spent, "cap": pro.weekly_spend_cap, "fee": amount},
        )


def _pro_for_fee(pro_id: int) -> QuerySet[Pro]:
    mode = PaymentPolicy.objects.filter(marketplace_id=OuterRef("marketplace_id")).values("payment_mode")[:1]
    return (
        Pro.objects.select_for_update(of=("self",))
        .select_related("payment_profile")
        .annotate(fee_payment_mode=Subquery(mode))
        .filter(pk=pro_id)
    )


_PRO_FOR_FEE = CompiledSelect(_pro_for_fee, pro_id=int)  # compiled once: it runs on every accept


def pro_lock_for_fee(*, pro_id: int) -> Pro:
    """Lock the pro FOR UPDATE (the caller's transaction) and read, in the same statement, what
    ``lead_fee_open`` needs: its saved card and the marketplace's payment mode (read under the
    pro's lock, so a card saved meanwhile is seen by the next accept, never half of one)."""
    pro = _PRO_FOR_FEE.first(pro_id=pro_id)
    if pro is None:
        raise Pro.DoesNotExist(f"pro {pro_id}")
    return pro


def _payment_mode(pro: Pro) -> str:
    """The marketplace's payment mode: read with the pro's lock (``pro_lock_for_fee``) or now."""
    if not hasattr(pro, "fee_payment_mode"):
        return payment_policy(marketplace_id=pro.marketplace_id).payment_mode
    return pro.fee_payment_mode or PaymentPolicy._meta.get_field("payment_mode").default


def _saved_card(pro: Pro) -> PaymentProfile | None:
    """The pro's saved card: the one read with its lock (``pro_lock_for_fee``), or read now."""
    if not Pro.payment_profile.is_cached(pro):  # read along with the pro's lock?
        return cards.payment_method_for(pro=pro)
    try:
        profile = pro.payment_profile
    except PaymentProfile.DoesNotExist:
        return None
    return profile if profile.payment_method_token else None


def charge_open(
    *,
    lead: ChargeableLead,
    pro: Pro,
    amount: int,
    currency: str,
    idempotency_key: str,
    card: PaymentProfile | None,
    accept_payload: dict | None = None,
) -> Charge:
    """Phase 1: a pending charge, to be committed before the gateway is called. It records
    the card and the customer, so every re-call under its key is the same request."""
    return model_insert(
        Charge(
            marketplace_id=pro.marketplace_id,
            pro=pro,
            lead_id=lead.pk,
            amount=amount,
            currency=currency,
            idempotency_key=idempotency_key,
            gateway=gateway_get().name,
            payment_method_token=card.payment_method_token if card else "",
            customer_reference=card.customer_reference if card else "",
            accept_payload=accept_payload or {},
        )
    )


def lead_fee_open(
    *,
    lead: ChargeableLead,
    pro: Pro,
    amount: int,
    currency: str,
    idempotency_key: str,
    accept_payload: dict | None = None,
) -> Charge:
    """Phase 1 of paying a lead's fee, in the caller's transaction (which holds the lead and the
    pro locked), by the marketplace's payment mode. Returns the charge: ``succeeded`` when it is
    paid already (a zero fee; prepaid credits, debited from the wallet here), ``pending`` when
    the card must be charged after commit (phase 2). Raises 402 ``insufficient_credit`` /
    ``payment_method_required`` and 409 ``payments_not_configured`` with nothing written.
    A pro locked with ``pro_lock_for_fee`` brings its card and the payment mode along (no reads)."""
    if amount == 0:
        return charge_zero_record(lead=lead, pro=pro, currency=currency, idempotency_key=idempotency_key)
    mode = _payment_mode(pro)
    if mode == PaymentMode.PREPAID_CREDITS:
        return wallet.wallet_debit_for_lead(
            lead=lead, pro=pro, amount=amount, currency=currency, idempotency_key=idempotency_key
        )
    if mode == PaymentMode.NO_CARD_PAYMENTS:
        raise Conflict("payments_not_configured", _("This marketplace takes no card payments; its leads must be free."))
    card = _saved_card(pro)
    if card is None:
        raise PaymentRequired("payment_method_required", _("Save a payment method before accepting leads with a fee."))
    return charge_open(
        lead=lead,
        pro=pro,
        amount=amount,
        currency=currency,
        idempotency_key=idempotency_key,
        card=card,
        accept_payload=accept_payload,
    )


def lead_fee_payable(*, pro: Pro, amount: int) -> bool:
    """Whether ``lead_fee_open`` could take ``amount`` now (a card saved, or enough credit):
    an auto-quote is made only when it can be paid at once."""
    if amount == 0:
        return True
    mode = payment_policy(marketplace_id=pro.marketplace_id).payment_mode
    if mode == PaymentMode.PREPAID_CREDITS:
        return Wallet.objects.filter(pro=pro, balance__gte=amount).exists()
    return mode == PaymentMode.CARD_PER_LEAD and cards.payment_method_for(pro=pro) is not None


def charge_zero_record(*, lead: ChargeableLead, pro: Pro, currency: str, idempotency_key: str) -> Charge:
    """A zero fee: no gateway call, but a succeeded zero charge and a zero ledger entry, so
    every accept is visible in the ledger and the pro's charge list."""
    charge = Charge.objects.create(
        marketplace_id=pro.marketplace_id,
        pro=pro,
        lead_id=lead.pk,
        amount=0,
        currency=currency,
        idempotency_key=idempotency_key,
        gateway=ZERO_FEE_GATEWAY,
        status=ChargeStatus.SUCCEEDED,
        completed_at=timezone.now(),
    )
    ledger_charge_record(charge)
    return charge


def charge_gateway_call(*, charge: Charge, marketplace: Marketplace | None = None) -> ChargeResult:
    """Phase 2: call the gateway with the charge's own key. Never inside a transaction.

    A charge waiting for the cardholder's authentication (it has the provider's reference) is
    read back by that reference instead: a re-sent request would only replay the first answer.
    Raises AuthenticationRequired while it still waits, PaymentDeclined once it failed.
    Counts the outcome (``leadmarket_charges_total``). ``marketplace``: the charge's, when the
    caller has it loaded (its slug goes into the request's metadata; otherwise it is read)."""
    try:
        result = _charge_gateway_call(charge, marketplace)
    except AuthenticationRequired:
        metrics.CHARGES.labels(outcome="authentication_required").inc()
        raise
    except PaymentDeclined:
        metrics.CHARGES.labels(outcome="declined").inc()
        raise
    except ProviderUnavailable:
        metrics.CHARGES.labels(outcome="provider_unavailable").inc()
        raise
    metrics.CHARGES.labels(outcome="succeeded").inc()
    return result


def _charge_gateway_call(charge: Charge, marketplace: Marketplace | None) -> ChargeResult:
    gateway = gateway_get(charge.gateway)
    if not charge.gateway_reference:
        return gateway.charge(charge_request(charge, marketplace=marketplace))
    return _result_of(gateway.payment_retrieve(reference=charge.gateway_reference))


def _result_of(state: PaymentState) -> ChargeResult:
    if state.status == "succeeded":
        return ChargeResult(reference=state.reference)
    if state.status == "requires_action":
        raise AuthenticationRequired(reference=state.reference, client_secret=state.client_secret)
    if state.status == "processing":
        raise ProviderUnavailable("The payment is still processing at the provider.")
    raise PaymentDeclined(state.failure_code or "card_declined", state.failure_message or "Declined.")


def charge_await_action(*, charge: Charge, reference: str, client_secret: str) -> Charge:
    """The bank asks for the cardholder (caller holds the charge locked, pending): remember the
    provider's payment and its client secret; the charge stays pending, the lead held."""
    charge.gateway_reference = reference
    charge.client_secret = client_secret[:200]
    charge.save(update_fields=["gateway_reference", "client_secret"])
    return charge


def charge_cancel_unauthenticated(*, charge: Charge, reference: str) -> ChargeResult | None:
    """Give up a payment never authenticated: cancel it at the provider (so a late
    authentication cannot take money). Returns the payment if it succeeded after all."""
    state = gateway_get(charge.gateway).payment_cancel(reference=reference)
    return ChargeResult(reference=state.reference) if state.status == "succeeded" else None


def charge_request(charge: Charge, *, marketplace: Marketplace | None = None) -> ChargeRequest:
    """The provider request for a charge, built from the row alone (so it never changes); the
    marketplace's slug in its metadata is read unless the caller passes the marketplace."""
    if marketplace is not None and marketplace.pk == charge.marketplace_id:
        slug = marketplace.slug
    else:
        slug = Marketplace.objects.values_list("slug", flat=True).get(pk=charge.marketplace_id)
    return ChargeRequest(
        amount=charge.amount,
        currency=charge.currency,
        payment_method=charge.payment_method_token,
        customer=charge.customer_reference,
        idempotency_key=charge.idempotency_key,
        description=f"Contact fee, lead {charge.lead_id}",
        metadata={
            "charge_id": str(charge.pk),
            "marketplace": slug,
            "pro": str(charge.pro_id),
            "lead": str(charge.lead_id),
        },
    )


def charge_succeed(*, charge: Charge, reference: str) -> Charge:
    """Phase 3 (caller holds the charge locked and it is pending): paid, plus its ledger entry."""
    charge.status = ChargeStatus.SUCCEEDED
    charge.gateway_reference = reference
    charge.completed_at = timezone.now()
    model_update(charge, ["status", "gateway_reference", "completed_at"])
    ledger_charge_record(charge)
    return charge


def charge_fail(*, charge: Charge, code: str, message: str) -> Charge:
    charge.status = ChargeStatus.FAILED
    charge.failure_code = code[:50]
    charge.failure_message = message[:300]
    charge.completed_at = timezone.now()
    charge.save(update_fields=["status", "failure_code", "failure_message", "completed_at"])
    return charge


def charge_void(*, charge: Charge, reason: str) -> Charge:
    charge.status = ChargeStatus.VOIDED
    charge.failure_message = reason[:300]
    charge.completed_at = timezone.now()
    charge.save(update_fields=["status", "failure_message", "completed_at"])
    return charge


def accept_charge_key(*, lead_id: int, attempt: int = 1) -> str:
    """The idempotency key of a lead's accept charge: ``lead-<id>-accept``, then ``-2``, ``-3``…"""
    return f"lead-{lead_id}-accept" if attempt == 1 else f"lead-{lead_id}-accept-{attempt}"


FINISHED_UNPAID = (ChargeStatus.FAILED, ChargeStatus.VOIDED)


def charge_next_key(*, lead_id: int, failed: int | None = None) -> str:
    """``lead-<id>-accept`` for the first attempt; a declined attempt is final at the
    provider, so a retry after a decline (new card) needs a fresh key: ``-2``, ``-3``…
    ``failed``: the lead's failed or voided charges when the caller counted them already
    (under the lead's lock); otherwise they are counted here."""
    if failed is None:
        failed = Charge.objects.filter(lead_id=lead_id, status__in=FINISHED_UNPAID).count()
    return accept_charge_key(lead_id=lead_id, attempt=failed + 1)
