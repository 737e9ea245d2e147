"""Billing writes: saved payment methods and the charge lifecycle (open → succeed/fail/void).

Callers own the transaction and the row locks; these functions only write billing rows.
The gateway is never called inside a transaction (see ``charge_gateway_call``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.utils import timezone

from billing.fees import week_start
from billing.gateways import ChargeResult, gateway_get
from billing.models import Charge, ChargeStatus, LedgerEntry, LedgerKind, PaymentProfile
from marketplace.errors import Invalid, PaymentRequired
from marketplace.models import Marketplace
from pros.models import Pro

ZERO_FEE_GATEWAY = "none"


def payment_method_save(*, pro: Pro, token: str, display: str = "") -> PaymentProfile:
    gateway = gateway_get()
    if not gateway.payment_method_valid(token=token):
        raise Invalid(
            "invalid_payment_method",
            "The payment provider does not know this payment method.",
            fields={"token": ["Unknown payment method."]},
        )
    profile, _ = PaymentProfile.objects.update_or_create(
        pro=pro,
        defaults={
            "marketplace_id": pro.marketplace_id,
            "gateway": gateway.name,
            "payment_method_token": token,
            "display": display[:60],
        },
    )
    return profile


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
            "This fee would take you over your weekly spend cap.",
            extra={"spent": spent, "cap": pro.weekly_spend_cap, "fee": amount},
        )


def payment_method_for(*, pro: Pro) -> str:
    profile = PaymentProfile.objects.filter(pro=pro).first()
    return profile.payment_method_token if profile else ""


def charge_open(
    *,
    lead,
    pro: Pro,
    amount: int,
    currency: str,
    idempotency_key: str,
    payment_method_token: str,
    accept_payload: dict | None = None,
) -> Charge:
    """Phase 1: a pending charge, to be committed before the gateway is called."""
    return Charge.objects.create(
        marketplace_id=pro.marketplace_id,
        pro=pro,
        lead=lead,
        amount=amount,
        currency=currency,
        idempotency_key=idempotency_key,
        gateway=gateway_get().name,
        payment_method_token=payment_method_token,
        accept_payload=accept_payload or {},
    )


def charge_zero_record(*, lead, pro: Pro, currency: str, idempotency_key: str) -> Charge:
    """A zero fee: no gateway call, but a succeeded zero charge and a zero ledger entry, so
    every accept is visible in the ledger and the pro's charge list."""
    charge = Charge.objects.create(
        marketplace_id=pro.marketplace_id,
        pro=pro,
        lead=lead,
        amount=0,
        currency=currency,
        idempotency_key=idempotency_key,
        gateway=ZERO_FEE_GATEWAY,
        status=ChargeStatus.SUCCEEDED,
        completed_at=timezone.now(),
    )
    _ledger_charge(charge)
    return charge


def charge_gateway_call(*, charge: Charge) -> ChargeResult:
    """Phase 2: call the gateway with the charge's own key. Never inside a transaction."""
    return gateway_get(charge.gateway).charge(
        amount=charge.amount,
        currency=charge.currency,
        payment_method_token=charge.payment_method_token,
        idempotency_key=charge.idempotency_key,
        description=f"Contact fee, lead {charge.lead_id}",
    )


def charge_succeed(*, charge: Charge, reference: str) -> Charge:
    """Phase 3 (caller holds the charge locked and it is pending): paid, plus its ledger entry."""
    charge.status = ChargeStatus.SUCCEEDED
    charge.gateway_reference = reference
    charge.completed_at = timezone.now()
    charge.save(update_fields=["status", "gateway_reference", "completed_at"])
    _ledger_charge(charge)
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


def _ledger_charge(charge: Charge) -> LedgerEntry:
    return LedgerEntry.objects.create(
        marketplace_id=charge.marketplace_id,
        pro_id=charge.pro_id,
        lead_id=charge.lead_id,
        charge=charge,
        kind=LedgerKind.CHARGE,
        amount=charge.amount,
        currency=charge.currency,
        idempotency_key=f"{charge.idempotency_key}:ledger",
        memo=f"Contact fee, lead {charge.lead_id}",
    )


def charge_next_key(*, lead_id: int) -> str:
    """``lead-<id>-accept`` for the first attempt; a declined attempt is final at the
    provider, so a retry after a decline (new card) needs a fresh key: ``-2``, ``-3``…"""
    failed = Charge.objects.filter(lead_id=lead_id, status__in=[ChargeStatus.FAILED, ChargeStatus.VOIDED]).count()
    return f"lead-{lead_id}-accept" if failed == 0 else f"lead-{lead_id}-accept-{failed + 1}"
