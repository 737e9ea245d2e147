"""Automatic top-ups (issue #15 item 2): off-session, and only with the pro's explicit consent.

The pro saves a threshold, an amount and a monthly limit (``auto_top_up_set``; withdrawn by
``auto_top_up_withdraw``; every change audited in ``AutoTopUpChange``). A lead debit that
leaves the balance below the threshold queues ``billing.tasks.wallet_auto_top_up`` once its
transaction commits (the money queue). The task, ``auto_top_up_run``:

1. one transaction, under the consent row's lock: still active? balance still below the
   threshold? no automatic top-up in flight (also a partial UNIQUE index)? this calendar
   month's automatic top-ups (succeeded, pending or awaiting authentication; the
   marketplace's time zone) plus this one within the monthly limit? — then commits
   ``TopUp(pending, origin=auto)`` under its own key, before any provider call;
2. the saved card is charged off-session under that key, and the top-up settles through the
   same machinery as a pro's top-up (``wallet.top_up_process``): credited exactly once,
   whichever of this task, the provider's event or the recovery job sees success first.

A payment that needs the cardholder's authentication, or fails, marks the consent
``needs_attention`` and notifies the pro (``hooks.auto_top_up_attention``), in the same
transaction that records the top-up's outcome — whichever path records it. No automatic
top-up runs again until the pro saves its consent again (no retry loop); the balance already
in the wallet keeps paying for accepts it covers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import structlog
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from billing import cards, hooks, wallet
from billing.models import (
    AutoTopUp,
    AutoTopUpChange,
    AutoTopUpStatus,
    TopUp,
    TopUpOrigin,
    TopUpStatus,
    Wallet,
)
from billing.models_policy import MAX_TOP_UP
from billing.selectors import payment_policy
from marketplace.errors import Invalid, PaymentRequired
from marketplace.models import User
from marketplace.money import Money
from pros.models import Pro

logger = structlog.get_logger(__name__)


# --- consent --------------------------------------------------------------------------------
def auto_top_up_set(*, pro: Pro, actor: User, threshold: int, amount: int, monthly_limit: int) -> AutoTopUp:
    """Give or change the consent (active again if it needed attention). 400
    ``auto_top_up_out_of_range`` naming the fields out of bounds; 409
    ``prepaid_credits_not_enabled``; 402 ``payment_method_required`` without a saved card."""
    wallet.prepaid_required(pro=pro)
    policy = payment_policy(marketplace_id=pro.marketplace_id)
    currency = pro.marketplace.currency
    low, high = Money(policy.top_up_min, currency), Money(policy.top_up_max, currency)
    errors: dict[str, list[str]] = {}
    if not policy.top_up_min <= amount <= policy.top_up_max:
        errors["amount"] = [str(_("Between {low} and {high}.").format(low=low, high=high))]
    if not 1 <= threshold <= policy.top_up_max:
        errors["threshold"] = [str(_("Between {low} and {high}.").format(low=Money(1, currency), high=high))]
    if not amount <= monthly_limit <= MAX_TOP_UP:
        errors["monthly_limit"] = [str(_("At least the amount of one top-up, at most {max}.")).format(max=MAX_TOP_UP)]
    if errors:
        raise Invalid("auto_top_up_out_of_range", _("The automatic top-up's amounts are out of bounds."), fields=errors)
    if cards.payment_method_for(pro=pro) is None:
        raise PaymentRequired("payment_method_required", _("Save a card before buying credits."))
    now = timezone.now()
    with transaction.atomic():
        consent = AutoTopUp.objects.select_for_update().filter(pro=pro).first()
        action = AutoTopUpChange.Action.GIVEN
        if consent is None:
            consent = AutoTopUp(marketplace_id=pro.marketplace_id, pro=pro)
        elif consent.status != AutoTopUpStatus.WITHDRAWN:
            action = AutoTopUpChange.Action.CHANGED
        consent.status = AutoTopUpStatus.ACTIVE
        consent.threshold, consent.amount, consent.monthly_limit = threshold, amount, monthly_limit
        consent.currency = currency
        consent.attention_reason, consent.attention_top_up = "", None
        consent.consented_by, consent.consented_at = actor, now
        consent.save()
        _audit(consent, action=action, actor=actor)
    logger.info("auto_top_up_consent", pro_id=pro.pk, action=action, actor_id=actor.pk)
    # The balance may be below the new threshold already.
    _queue_check_on_commit(pro.pk)
    return consent


def auto_top_up_withdraw(*, pro: Pro, actor: User) -> bool:
    """Withdraw the consent (no automatic top-up starts after this). False when none was given."""
    with transaction.atomic():
        consent = AutoTopUp.objects.select_for_update().filter(pro=pro).first()
        if consent is None or consent.status == AutoTopUpStatus.WITHDRAWN:
            return False
        consent.status = AutoTopUpStatus.WITHDRAWN
        consent.save(update_fields=["status", "updated_at"])
        _audit(consent, action=AutoTopUpChange.Action.WITHDRAWN, actor=actor)
    logger.info("auto_top_up_consent", pro_id=pro.pk, action="withdrawn", actor_id=actor.pk)
    return True


def _audit(consent: AutoTopUp, *, action: str, actor: User | None, note: str = "") -> None:
    AutoTopUpChange.objects.create(
        marketplace_id=consent.marketplace_id,
        pro_id=consent.pro_id,
        action=action,
        actor=actor,
        threshold=consent.threshold,
        amount=consent.amount,
        monthly_limit=consent.monthly_limit,
        currency=consent.currency,
        note=note[:300],
    )


# --- the trigger ----------------------------------------------------------------------------
def auto_top_up_after_debit(*, pro_id: int, balance: int) -> None:
    """Called once a debit committed (its ``on_commit``; nothing runs if it rolled back): when
    the balance it left is below an active consent's threshold, queue the worker's top-up."""
    if AutoTopUp.objects.filter(pro_id=pro_id, status=AutoTopUpStatus.ACTIVE, threshold__gt=balance).exists():
        _queue_check_on_commit(pro_id)  # outside a transaction: queued at once


def _queue_check_on_commit(pro_id: int) -> None:
    from billing import tasks  # tasks import this module

    transaction.on_commit(lambda: tasks.wallet_auto_top_up.delay(pro_id), robust=True)


# --- the worker -----------------------------------------------------------------------------
def month_start(*, now: dt.datetime, time_zone: str) -> dt.datetime:
    """The first instant of ``now``'s calendar month in the marketplace's time zone."""
    local = now.astimezone(ZoneInfo(time_zone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def auto_top_ups_this_month(*, pro_id: int, time_zone: str, now: dt.datetime) -> int:
    """What the automatic top-ups of this calendar month add up to: succeeded, pending and
    awaiting authentication (it may still succeed); failed ones cost nothing."""
    return (
        TopUp.objects.filter(
            pro_id=pro_id, origin=TopUpOrigin.AUTO, created_at__gte=month_start(now=now, time_zone=time_zone)
        )
        .exclude(status=TopUpStatus.FAILED)
        .aggregate(total=Sum("amount"))["total"]
        or 0
    )


def auto_top_up_open(*, pro_id: int, now: dt.datetime | None = None) -> TopUp | str:
    """Phase 1: commit a pending automatic top-up when every condition holds, else say why not
    (``no_consent``, ``above_threshold``, ``in_flight``, ``monthly_limit``, ``no_card``)."""
    now = now or timezone.now()
    with transaction.atomic():
        consent = (
            AutoTopUp.objects.select_for_update(of=("self",))
            .select_related("pro__marketplace")
            .filter(pro_id=pro_id, status=AutoTopUpStatus.ACTIVE)
            .first()
        )
        if consent is None:
            return "no_consent"
        pro = consent.pro
        balance = Wallet.objects.filter(pro_id=pro_id).values_list("balance", flat=True).first() or 0
        if balance >= consent.threshold:
            return "above_threshold"
        if TopUp.objects.filter(pro_id=pro_id, origin=TopUpOrigin.AUTO, status=TopUpStatus.PENDING).exists():
            return "in_flight"
        spent = auto_top_ups_this_month(pro_id=pro_id, time_zone=pro.marketplace.time_zone, now=now)
        if spent + consent.amount > consent.monthly_limit:
            logger.info("auto_top_up_monthly_limit", pro_id=pro_id, spent=spent, limit=consent.monthly_limit)
            return "monthly_limit"
        card = cards.payment_method_for(pro=pro)
        if card is None:
            _attention(consent, top_up=None, reason=_("No card is saved for automatic top-ups."))
            return "no_card"
        try:
            with transaction.atomic():
                return TopUp.objects.create(
                    marketplace_id=pro.marketplace_id,
                    pro=pro,
                    amount=consent.amount,
                    currency=consent.currency,
                    origin=TopUpOrigin.AUTO,
                    idempotency_key=f"auto-topup-{pro.pk}-{uuid.uuid4().hex}",
                    gateway=card.gateway,
                    payment_method_token=card.payment_method_token,
                    customer_reference=card.customer_reference,
                )
        except IntegrityError:
            return "in_flight"  # the partial UNIQUE index: another worker's top-up is in flight


def auto_top_up_run(*, pro_id: int) -> str:
    """The worker's whole job (see the module docstring). Returns the top-up's outcome
    (``succeeded``, ``requires_action``, ``failed``, ``retry``) or why none was started."""
    opened = auto_top_up_open(pro_id=pro_id)
    if isinstance(opened, str):
        return opened
    outcome = wallet.top_up_process(top_up_id=opened.pk)
    logger.info("auto_top_up_run", pro_id=pro_id, top_up_id=opened.pk, outcome=outcome)
    return outcome


# --- when it cannot go through by itself ----------------------------------------------------
def auto_top_up_settled_badly(top_up: TopUp) -> None:
    """Called in the transaction recording an automatic top-up as ``requires_action`` or
    ``failed`` (by the worker, the provider's event or recovery): stop and tell the pro once."""
    consent = AutoTopUp.objects.select_for_update().filter(pro_id=top_up.pro_id).first()
    if consent is None or consent.status != AutoTopUpStatus.ACTIVE:
        return
    reason: StrOrPromise
    if top_up.status == TopUpStatus.REQUIRES_ACTION:
        reason = _("Your bank asked you to authenticate an automatic top-up; open the app to confirm it.")
    else:
        reason = format_lazy(
            _("An automatic top-up failed: {message}"),
            message=top_up.failure_message or top_up.failure_code or "declined",
        )
    _attention(consent, top_up=top_up, reason=reason)


def _attention(consent: AutoTopUp, *, top_up: TopUp | None, reason: StrOrPromise) -> None:
    """Stop automatic top-ups and tell the pro (``reason`` lazy: the notification renders it in
    the pro's language; the consent and its audit keep it in the default one)."""
    consent.status = AutoTopUpStatus.NEEDS_ATTENTION
    consent.attention_reason = str(reason)[:300]
    consent.attention_top_up = top_up
    consent.save(update_fields=["status", "attention_reason", "attention_top_up", "updated_at"])
    _audit(consent, action=AutoTopUpChange.Action.NEEDS_ATTENTION, actor=None, note=str(reason))
    logger.warning("auto_top_up_needs_attention", pro_id=consent.pro_id, top_up_id=getattr(top_up, "pk", None))
    hooks.auto_top_up_attention.send(
        hooks.AutoTopUpAttention(
            pro_id=consent.pro_id,
            top_up_id=top_up.pk if top_up else 0,
            status=top_up.status if top_up else "no_card",
            amount=consent.amount,
            currency=consent.currency,
            reason=reason,
        )
    )
