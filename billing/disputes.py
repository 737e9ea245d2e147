"""Disputes of charged leads and the refunds they lead to (Rule 10).

A pro disputes a charged lead within ``policy.dispute_window_days`` of the charge; staff
approve or deny in the admin. Approval refunds through the gateway in the same three phases
as a charge: the refund row (with its idempotency key) is committed first, the provider is
called with that key, and the result plus its ledger entry are written after. A crash or an
outage in between leaves a pending refund that ``refunds_recover`` finishes with the same
key, so a dispute is never refunded twice.
"""

from __future__ import annotations

import datetime as dt

import structlog
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import wallet
from billing.gateways import PaymentDeclined, ProviderUnavailable, RefundRequest, gateway_get
from billing.ledger import ledger_refund_record
from billing.models import (
    WALLET_GATEWAY,
    Charge,
    ChargeStatus,
    DisputeStatus,
    LeadCredit,
    LeadDispute,
    Refund,
    RefundStatus,
)
from billing.recovery import stale_pending_process
from billing.types import ChargeableLead
from marketplace.errors import Conflict, Unavailable
from marketplace.models import User
from marketplace.selectors import marketplace_policy
from pros.models import Pro

logger = structlog.get_logger(__name__)


def dispute_open(
    *, lead: ChargeableLead, pro: Pro, actor: User, reason: str, details: str = "", now: dt.datetime | None = None
) -> LeadDispute:
    """The pro disputes a lead it paid a contact fee for, within the policy's window (Rule 10)."""
    now = now or timezone.now()
    with transaction.atomic():
        charge = (
            Charge.objects.select_for_update()
            .filter(lead_id=lead.pk, pro=pro, status=ChargeStatus.SUCCEEDED, amount__gt=0)
            .first()
        )
        if charge is None:
            raise Conflict("lead_not_charged", _("Only a lead you paid a contact fee for can be disputed."))
        window = dt.timedelta(days=marketplace_policy(pro.marketplace).dispute_window_days)
        if now > (charge.completed_at or charge.created_at) + window:
            raise Conflict("dispute_window_closed", f"Disputes must be opened within {window.days} days of the charge.")
        if LeadCredit.objects.filter(lead_id=charge.lead_id).exists():
            raise Conflict("lead_already_credited", _("This lead's fee was already credited back."))
        if LeadDispute.objects.filter(charge=charge).exists():
            raise Conflict("dispute_exists", _("This lead has already been disputed."))
        dispute = LeadDispute.objects.create(
            marketplace_id=lead.marketplace_id,
            lead_id=lead.pk,
            charge=charge,
            pro=pro,
            reason=reason,
            details=details,
            opened_by=actor,
        )
        # An unreachable contact is credited automatically once a signal confirms it.
        from billing.contact_checks import contact_check_open  # it builds on this module

        if contact_check_open(dispute=dispute, now=now) is not None:
            dispute.refresh_from_db()
        return dispute


def dispute_deny(*, dispute_id: int, actor: User, note: str | None = None) -> LeadDispute:
    """Deny an open dispute. ``note``: the decision note (None keeps the one saved on it)."""
    with transaction.atomic():
        dispute = LeadDispute.objects.select_for_update().get(pk=dispute_id)
        if dispute.status != DisputeStatus.OPEN:
            raise Conflict("dispute_not_open", _("This dispute has already been decided."))
        dispute.status = DisputeStatus.DENIED
        dispute.decided_by = actor
        dispute.decided_at = timezone.now()
        if note is not None:
            dispute.decision_note = note[:500]
        dispute.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    logger.info("dispute_denied", dispute_id=dispute_id, actor_id=getattr(actor, "pk", None))
    return dispute


def dispute_approve(*, dispute_id: int, actor: User, note: str | None = None, amount: int | None = None) -> LeadDispute:
    """Approve and refund what is left of the fee (or ``amount`` of it). Returns the dispute, approved.

    ``note`` is the decision note; None keeps the one staff saved on the dispute. ``amount``
    (minor units) larger than what is left of the fee is refused (Conflict ``refund_exceeds_remaining``,
    with both amounts) and changes nothing.

    Raises 503 ``payment_provider_unavailable`` when the provider is down (the refund stays
    pending and the recovery job completes it with the same key) and 409 ``refund_refused``
    when the provider refuses the refund: the refund is then ``failed`` with the provider's
    message, the dispute stays open, and approving again tries a fresh refund row under a
    new key (``dispute-<id>-refund-2``, ``-3``…). A refund never exceeds what was paid less
    the refunds already recorded on the charge (ours and those made at the provider); a fee
    already refunded in full approves the dispute without asking the provider.
    """
    with transaction.atomic():
        dispute = LeadDispute.objects.select_for_update().get(pk=dispute_id)
        if dispute.status != DisputeStatus.OPEN:
            raise Conflict("dispute_not_open", _("This dispute has already been decided."))
        dispute.decided_by = actor
        if note is not None:
            dispute.decision_note = note[:500]
        if dispute.refund is None or dispute.refund.status == RefundStatus.FAILED:
            # Locked like the provider's refund events, so the amount left cannot move under us.
            charge = Charge.objects.select_for_update().get(pk=dispute.charge_id)
            left = charge.amount - refunded_so_far(charge_id=charge.pk)
            if amount is not None and (amount < 1 or amount > max(left, 0)):
                raise Conflict(
                    "refund_exceeds_remaining",
                    f"A refund of {amount} {charge.currency} (minor units) is more than the {max(left, 0)} "
                    f"{charge.currency} left of the {charge.amount} {charge.currency} fee.",
                    extra={"asked": amount, "remaining": max(left, 0), "fee": charge.amount},
                )
            if left <= 0:
                dispute.status = DisputeStatus.APPROVED
                dispute.decided_at = timezone.now()
                dispute.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
                logger.info("dispute_approved_already_refunded", dispute_id=dispute.pk, charge_id=charge.pk)
                return dispute
            dispute.refund = Refund.objects.create(
                marketplace_id=charge.marketplace_id,
                charge=charge,
                pro_id=charge.pro_id,
                lead_id=charge.lead_id,
                amount=left if amount is None else amount,
                currency=charge.currency,
                idempotency_key=_dispute_refund_key(dispute.pk),
                gateway=charge.gateway,
                reason=f"Dispute #{dispute.pk}: {dispute.get_reason_display()}",
            )
        dispute.save(update_fields=["refund", "decided_by", "decision_note"])
    assert dispute.refund_id is not None  # just created or kept above
    outcome = refund_process(refund_id=dispute.refund_id)
    if outcome == "retry":
        raise Unavailable(
            "payment_provider_unavailable",
            _("The payment provider is unavailable; the refund will be retried."),
            retry_after=30,
        )
    dispute.refresh_from_db()
    if outcome == "failed":
        logger.warning("dispute_refund_refused", dispute_id=dispute.pk, refund_id=dispute.refund_id)
        raise Conflict(
            "refund_refused",
            f"The payment provider refused the refund: {dispute.refund.failure_message} "
            "The dispute stays open; approve it again to retry.",
        )
    return dispute


def refunded_so_far(*, charge_id: int) -> int:
    """Refunds recorded on a charge that are done or under way (all but the failed ones)."""
    return (
        Refund.objects.filter(charge_id=charge_id)
        .exclude(status=RefundStatus.FAILED)
        .aggregate(total=Sum("amount"))["total"]
        or 0
    )


def _dispute_refund_key(dispute_id: int) -> str:
    """``dispute-<id>-refund`` for the first refund; after a refused one, ``-2``, ``-3``…
    (a refused key is final at the provider, like a declined charge's)."""
    base = f"dispute-{dispute_id}-refund"
    tried = Refund.objects.filter(Q(idempotency_key=base) | Q(idempotency_key__startswith=f"{base}-")).count()
    return base if tried == 0 else f"{base}-{tried + 1}"


def refund_process(*, refund_id: int) -> str:
    """Phases 2 and 3 of a pending refund: ``succeeded``, ``failed``, ``retry`` or ``done``."""
    refund = Refund.objects.filter(pk=refund_id, status=RefundStatus.PENDING).select_related("charge").first()
    if refund is None:
        return "done"
    if refund.gateway == WALLET_GATEWAY:
        # A fee paid from prepaid credits goes back to the wallet: no provider involved.
        refund_complete(refund_id=refund.pk, reference=f"wallet-refund-{refund.pk}")
        return "succeeded"
    try:
        reference = gateway_get(refund.gateway).refund(
            RefundRequest(
                reference=refund.charge.gateway_reference,
                amount=refund.amount,
                currency=refund.currency,
                idempotency_key=refund.idempotency_key,
                metadata={
                    "refund_id": str(refund.pk),
                    "lead": str(refund.lead_id),
                    "idempotency_key": refund.idempotency_key,
                },
            )
        )
    except ProviderUnavailable:
        logger.info("refund_provider_unavailable", refund_id=refund.pk)
        return "retry"
    except PaymentDeclined as exc:
        with transaction.atomic():
            locked = Refund.objects.select_for_update().get(pk=refund.pk)
            if locked.status == RefundStatus.PENDING:
                locked.status = RefundStatus.FAILED
                locked.failure_message = exc.message[:300]
                locked.completed_at = timezone.now()
                locked.save(update_fields=["status", "failure_message", "completed_at"])
        logger.warning("refund_refused", refund_id=refund.pk, code=exc.code, message=exc.message)
        return "failed"
    refund_complete(refund_id=refund.pk, reference=reference)
    return "succeeded"


def refund_complete(*, refund_id: int, reference: str) -> bool:
    """Mark a refund paid, write its ledger entry and settle its dispute. Idempotent."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != RefundStatus.PENDING:
            return False
        refund.status = RefundStatus.SUCCEEDED
        refund.gateway_reference = reference
        refund.completed_at = timezone.now()
        refund.save(update_fields=["status", "gateway_reference", "completed_at"])
        ledger_refund_record(refund)
        if refund.gateway == WALLET_GATEWAY:
            wallet.wallet_credit_for_charge(
                charge=refund.charge, amount=refund.amount, key=f"{refund.idempotency_key}:wallet", memo=refund.reason
            )
        LeadDispute.objects.filter(refund=refund, status=DisputeStatus.OPEN).update(
            status=DisputeStatus.APPROVED, decided_at=refund.completed_at
        )
    return True


def refunds_recover(*, older_than: dt.timedelta = dt.timedelta(minutes=1), limit: int = 200) -> dict:
    """Finish refunds left pending by a crash or an outage (same key, so never twice)."""
    return stale_pending_process(
        pending=Refund.objects.filter(status=RefundStatus.PENDING),
        process=lambda refund_id: refund_process(refund_id=refund_id),
        older_than=older_than,
        limit=limit,
    )
