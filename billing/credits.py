"""Automatic and goodwill credits (Rule 10 extended, issue #15): a lead's fee given back.

A credit is a ``LeadCredit`` (UNIQUE per lead: a lead is never credited twice, whatever asks)
plus a ``Refund`` of what is left of the fee, committed together; the refund then runs through
the dispute refunds' three phases (``billing.disputes.refund_process``): back to the wallet for
a fee paid from prepaid credits, back to the card otherwise, finished by the refund recovery
job after a crash. Reasons:

``unread``
    the homeowner never opened the pro's answer within ``PaymentPolicy.unread_credit_hours``
    of it (``credits_unread_grant``, a periodic job).
``duplicate``
    the lead was charged for a job the same homeowner had already asked for, and this pro
    had already paid for (the duplicate rule's terms: category, area and target, within the
    marketplace's ``duplicate_window_hours``) — ``credits_duplicate_grant``, a periodic job
    behind the creation-time guard that makes such leads free.
``unreachable``
    the pro reported the contact unreachable and a signal confirmed it: the homeowner's
    e-mail bounced, or the homeowner did not confirm the request in time
    (``billing.contact_checks``).
``goodwill``
    staff, with a reason (audited: who, when, why).
"""

from __future__ import annotations

import datetime as dt

import structlog
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import disputes, hooks
from billing.models import (
    Charge,
    ChargeStatus,
    CreditReason,
    LeadCredit,
    LeadDispute,
    Refund,
    RefundStatus,
)
from billing.selectors import payment_policy
from marketplace.errors import Conflict
from marketplace.models import Marketplace, User

logger = structlog.get_logger(__name__)


def lead_credit_grant(
    *, charge_id: int, reason: str, actor: User | None = None, memo: str = "", now: dt.datetime | None = None
) -> LeadCredit:
    """Credit the lead paid by ``charge_id`` once: 409 ``lead_already_credited`` if it was,
    409 ``lead_not_charged`` for a fee that was not paid (or is refunded in full already)."""
    now = now or timezone.now()
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge_id)
        if charge.status != ChargeStatus.SUCCEEDED or charge.amount == 0:
            raise Conflict("lead_not_charged", _("Only a lead whose fee was paid can be credited."))
        if LeadCredit.objects.filter(lead_id=charge.lead_id).exists():
            raise Conflict("lead_already_credited", _("This lead's fee was already credited."))
        left = charge.amount - disputes.refunded_so_far(charge_id=charge.pk)
        if left <= 0:
            raise Conflict("lead_already_credited", _("This lead's fee was already refunded."))
        label = CreditReason(reason).label
        try:
            with transaction.atomic():
                credit = LeadCredit.objects.create(
                    marketplace_id=charge.marketplace_id,
                    lead_id=charge.lead_id,
                    charge=charge,
                    pro_id=charge.pro_id,
                    reason=reason,
                    amount=left,
                    currency=charge.currency,
                    memo=memo[:300],
                    granted_by=actor,
                )
        except IntegrityError:
            raise Conflict("lead_already_credited", _("This lead's fee was already credited.")) from None
        refund = Refund.objects.create(
            marketplace_id=charge.marketplace_id,
            charge=charge,
            pro_id=charge.pro_id,
            lead_id=charge.lead_id,
            amount=left,
            currency=charge.currency,
            idempotency_key=f"lead-{charge.lead_id}-credit",
            gateway=charge.gateway,
            reason=f"Credit ({label}){': ' + memo if memo else ''}"[:300],
        )
        # A dispute still open for this charge has its answer: the fee is coming back.
        LeadDispute.objects.filter(charge=charge, status="open").update(
            status="approved", decided_at=now, decision_note=f"Credited automatically ({label})."
        )
        hooks.lead_credited.send(hooks.LeadCredited(credit=credit))
        refund_id = refund.pk
        transaction.on_commit(lambda: disputes.refund_process(refund_id=refund_id), robust=True)
    actor_id = getattr(actor, "pk", None)
    logger.info("lead_credited", lead_id=credit.lead_id, reason=reason, amount=left, actor_id=actor_id)
    return credit


def credits_unread_grant(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Credit paid leads whose answer the homeowner never opened within the window of each
    marketplace that has the switch on. Returns how many were credited."""
    now = now or timezone.now()
    granted = 0
    for marketplace_id in Marketplace.objects.filter(is_active=True).values_list("pk", flat=True):
        policy = payment_policy(marketplace_id=marketplace_id)  # the defaults when none is saved
        if not policy.unread_credit_enabled:
            continue
        cutoff = now - dt.timedelta(hours=policy.unread_credit_hours)
        due = (
            Charge.objects.filter(
                marketplace_id=policy.marketplace_id,
                status=ChargeStatus.SUCCEEDED,
                amount__gt=0,
                lead__responded_at__lte=cutoff,
                lead__answer_opened_at__isnull=True,
            )
            .exclude(Exists(LeadCredit.objects.filter(lead_id=OuterRef("lead_id"))))
            .exclude(Exists(Refund.objects.filter(charge_id=OuterRef("pk")).exclude(status=RefundStatus.FAILED)))
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        for charge_id in list(due):
            try:
                lead_credit_grant(charge_id=charge_id, reason=CreditReason.UNREAD, now=now)
            except Conflict:
                continue  # credited or refunded meanwhile
            granted += 1
    return granted


def credits_duplicate_grant(*, limit: int = 500) -> int:
    """Credit paid leads for a job the same homeowner had already asked for and the same pro
    had already paid for, per the duplicate rule (category, area, target, within the
    marketplace's duplicate window before the later request). Returns how many were credited."""
    granted = 0
    for marketplace_id in Marketplace.objects.filter(is_active=True).values_list("pk", flat=True):
        if not payment_policy(marketplace_id=marketplace_id).duplicate_credit_enabled:
            continue
        earlier_paid = Charge.objects.filter(
            marketplace_id=marketplace_id,
            pro_id=OuterRef("pro_id"),
            status=ChargeStatus.SUCCEEDED,
            amount__gt=0,
            lead__request__homeowner_id=OuterRef("lead__request__homeowner_id"),
            lead__request__category_id=OuterRef("lead__request__category_id"),
            lead__request__area=OuterRef("lead__request__area"),
            lead__request__created_at__lt=OuterRef("lead__request__created_at"),
            lead__request__created_at__gte=OuterRef("duplicate_since"),
        ).exclude(lead_id=OuterRef("lead_id"))
        # The same target: no pro (a platform request) matches no pro, so compare with NULL as 0.
        earlier_paid = earlier_paid.annotate(target=Coalesce("lead__request__target_pro_id", 0)).filter(
            target=OuterRef("target")
        )
        due = (
            Charge.objects.filter(marketplace_id=marketplace_id, status=ChargeStatus.SUCCEEDED, amount__gt=0)
            .annotate(
                target=Coalesce("lead__request__target_pro_id", 0),
                duplicate_since=ExpressionWrapper(
                    F("lead__request__created_at")
                    - F("marketplace__policy__duplicate_window_hours") * dt.timedelta(hours=1),
                    output_field=DateTimeField(),
                ),
            )
            .filter(Exists(earlier_paid))
            .exclude(Exists(LeadCredit.objects.filter(lead_id=OuterRef("lead_id"))))
            .exclude(Exists(Refund.objects.filter(charge_id=OuterRef("pk")).exclude(status=RefundStatus.FAILED)))
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        for charge_id in list(due):
            try:
                lead_credit_grant(
                    charge_id=charge_id, reason=CreditReason.DUPLICATE, memo="Same job, already paid for."
                )
            except Conflict:
                continue
            granted += 1
    return granted
