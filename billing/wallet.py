"""Prepaid credits: the wallet's writes (top-ups, lead debits, credits) — issue #15.

Every balance change is ``_post``: under the wallet row's lock, one UPDATE moves the balance
(PostgreSQL's ``CHECK (balance >= 0)`` refuses a negative one whatever the code did) and one
append-only entry records it with a unique key, in the caller's transaction. So a crash
between any two lines rolls both back, and a second attempt under the same key finds the
first entry instead of writing another.

A top-up moves money in three phases, like a lead charge (``billing/services.py``):

1. ``top_up_open`` commits ``TopUp(pending)`` with its key, card and customer;
2. the provider is called on-session with that key, outside any transaction;
3. ``top_up_succeed`` credits the wallet once (entry key ``topup-<id>:credit``) — whichever
   of the request, the provider's event or the recovery job sees success first; the others
   find the top-up succeeded (or the entry's key taken) and do nothing.

A payment that needs the cardholder's authentication leaves the top-up ``requires_action``
with the client secret for the app; the provider's ``payment_intent.succeeded`` event (or
recovery, or the app asking again) settles it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import partial

import structlog
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import cards
from billing.gateways import (
    AuthenticationRequired,
    ChargeRequest,
    PaymentDeclined,
    ProviderUnavailable,
    RefundRequest,
    gateway_get,
)
from billing.ledger import ledger_charge_record
from billing.models import (
    WALLET_GATEWAY,
    BalanceRefund,
    BalanceRefundStatus,
    Charge,
    ChargeStatus,
    PaymentMode,
    TopUp,
    TopUpOrigin,
    TopUpStatus,
    Wallet,
    WalletEntry,
    WalletEntryKind,
)
from billing.recovery import stale_pending_process
from billing.selectors import payment_policy
from billing.types import ChargeableLead
from marketplace.compiled import model_insert
from marketplace.errors import Conflict, Invalid, PaymentRequired
from marketplace.models import User
from marketplace.money import Money
from pros.models import Pro

logger = structlog.get_logger(__name__)


def wallet_locked(*, pro: Pro, currency: str) -> Wallet:
    """The pro's wallet, created on first use, locked FOR UPDATE (the caller's transaction).
    One statement when it exists (every time but the first)."""
    wallet = Wallet.objects.select_for_update().filter(pro=pro).first()
    if wallet is not None:
        return wallet
    Wallet.objects.get_or_create(pro=pro, defaults={"marketplace_id": pro.marketplace_id, "currency": currency})
    return Wallet.objects.select_for_update().get(pro=pro)


def _post(
    wallet: Wallet, *, kind: str, amount: int, key: str, memo: str = "", new_key: bool = False, **links: object
) -> tuple[WalletEntry, bool]:
    """Move ``wallet`` (locked) by ``amount`` and record it. Returns (entry, created): an entry
    already written under ``key`` is returned as it is, and nothing moves. ``new_key``: the
    caller knows no entry can have ``key`` yet (it derives from a row it just inserted under a
    UNIQUE key), so the look-up is skipped; the entry's own UNIQUE key still guards it."""
    if not new_key:
        existing = WalletEntry.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing, False
    Wallet.objects.filter(pk=wallet.pk).update(balance=F("balance") + amount, updated_at=timezone.now())
    # The row is locked and its balance was read under the lock: the new balance is known.
    wallet.balance += amount
    entry = WalletEntry.objects.create(
        marketplace_id=wallet.marketplace_id,
        wallet=wallet,
        pro_id=wallet.pro_id,
        kind=kind,
        amount=amount,
        balance_after=wallet.balance,
        currency=wallet.currency,
        idempotency_key=key,
        memo=memo[:300],
        **links,
    )
    return entry, True


def prepaid_required(*, pro: Pro) -> None:
    if payment_policy(marketplace_id=pro.marketplace_id).payment_mode != PaymentMode.PREPAID_CREDITS:
        raise Conflict("prepaid_credits_not_enabled", _("This marketplace does not sell prepaid credits."))


# --- lead fees ------------------------------------------------------------------------------
def wallet_debit_for_lead(
    *, lead: ChargeableLead, pro: Pro, amount: int, currency: str, idempotency_key: str
) -> Charge:
    """Pay a lead's fee from the wallet, in the accept's own transaction (no provider call):
    a succeeded ``Charge`` (gateway ``wallet``, so spend caps, disputes and statements treat
    it like any fee), its ledger entry and the wallet debit. 402 ``insufficient_credit`` with
    the balance and the amount needed when the balance does not cover it (nothing written)."""
    wallet = wallet_locked(pro=pro, currency=currency)
    if wallet.balance < amount:
        raise PaymentRequired(
            "insufficient_credit",
            _("Your credit balance does not cover this lead's fee; top up first."),
            extra={
                "balance": Money(wallet.balance, currency).as_json(),
                "amount_needed": Money(amount, currency).as_json(),
            },
        )
    now = timezone.now()
    charge = model_insert(  # the prepaid accept's charge, written as the card accept's is
        Charge(
            marketplace_id=pro.marketplace_id,
            pro=pro,
            lead_id=lead.pk,
            amount=amount,
            currency=currency,
            idempotency_key=idempotency_key,
            gateway=WALLET_GATEWAY,
            status=ChargeStatus.SUCCEEDED,
            gateway_reference=f"wallet-{wallet.pk}",
            completed_at=now,
        )
    )
    ledger_charge_record(charge, memo=f"Contact fee, lead {lead.pk} (prepaid credits)")
    _post(
        wallet,
        kind=WalletEntryKind.LEAD_DEBIT,
        amount=-amount,
        key=f"{idempotency_key}:wallet",
        memo=f"Contact fee, lead {lead.pk}",
        new_key=True,  # the charge was just inserted under the UNIQUE key this one derives from
        lead_id=lead.pk,
        charge=charge,
    )
    from billing.auto_top_up import auto_top_up_after_debit  # it builds on this module

    # After commit (no statement added to the accept's transaction): below the threshold of
    # an active consent → the worker's automatic top-up is queued.
    transaction.on_commit(partial(auto_top_up_after_debit, pro_id=pro.pk, balance=wallet.balance), robust=True)
    return charge


def wallet_credit_for_charge(*, charge: Charge, amount: int, key: str, memo: str) -> WalletEntry:
    """Give (part of) a wallet-paid fee back to the wallet (a credit, an approved dispute)."""
    pro = Pro.objects.get(pk=charge.pro_id)
    wallet = wallet_locked(pro=pro, currency=charge.currency)
    entry, _created = _post(
        wallet, kind=WalletEntryKind.CREDIT, amount=amount, key=key, memo=memo, lead_id=charge.lead_id, charge=charge
    )
    return entry


# --- top-ups --------------------------------------------------------------------------------
def top_up_create(*, pro: Pro, amount: int, request_key: str = "") -> TopUp:
    """Buy ``amount`` of credits with the saved card, on-session; see the module docstring.
    Returns the top-up in its state after the provider answered (or ``pending`` when it did
    not: recovery settles it with the same key)."""
    top_up = top_up_open(pro=pro, amount=amount, request_key=request_key)
    top_up_process(top_up_id=top_up.pk)
    top_up.refresh_from_db()
    return top_up


def top_up_open(*, pro: Pro, amount: int, request_key: str = "") -> TopUp:
    """Phase 1: validate and commit the pending top-up (the same request key resumes it)."""
    prepaid_required(pro=pro)
    policy = payment_policy(marketplace_id=pro.marketplace_id)
    currency = pro.marketplace.currency
    if not policy.top_up_min <= amount <= policy.top_up_max:
        raise Invalid(
            "top_up_out_of_range",
            f"A top-up must be between {Money(policy.top_up_min, currency)} and {Money(policy.top_up_max, currency)}.",
            fields={"amount": [f"Between {policy.top_up_min} and {policy.top_up_max} (minor units)."]},
        )
    card = cards.payment_method_for(pro=pro)
    if card is None:
        raise PaymentRequired("payment_method_required", _("Save a card before buying credits."))
    key = f"topup-{pro.pk}-{request_key or uuid.uuid4().hex}"
    try:
        with transaction.atomic():
            top_up, _created = TopUp.objects.get_or_create(
                idempotency_key=key,
                defaults={
                    "marketplace_id": pro.marketplace_id,
                    "pro": pro,
                    "amount": amount,
                    "currency": currency,
                    "gateway": card.gateway,
                    "payment_method_token": card.payment_method_token,
                    "customer_reference": card.customer_reference,
                },
            )
    except IntegrityError:
        top_up = TopUp.objects.get(idempotency_key=key)
    if top_up.pro_id != pro.pk or top_up.amount != amount:
        raise Conflict("idempotency_key_reused", _("This key was used for another top-up."))
    return top_up


def _top_up_request(top_up: TopUp) -> ChargeRequest:
    return ChargeRequest(
        amount=top_up.amount,
        currency=top_up.currency,
        payment_method=top_up.payment_method_token,
        customer=top_up.customer_reference,
        idempotency_key=top_up.idempotency_key,
        description=f"Lead credits top-up #{top_up.pk}",
        metadata={"top_up_id": str(top_up.pk), "pro": str(top_up.pro_id), "kind": "top_up"},
        # An automatic top-up runs in a worker with the pro away (``billing.auto_top_up``).
        off_session=top_up.origin == TopUpOrigin.AUTO,
    )


def top_up_process(*, top_up_id: int) -> str:
    """Phases 2 and 3 for an open top-up: ask the provider (by reference once it named one,
    else under the top-up's key) and settle. Returns ``succeeded``, ``requires_action``,
    ``failed``, ``retry`` or ``done``."""
    top_up = TopUp.objects.filter(pk=top_up_id, status__in=[TopUpStatus.PENDING, TopUpStatus.REQUIRES_ACTION]).first()
    if top_up is None:
        return "done"
    gateway = gateway_get(top_up.gateway)
    try:
        if top_up.gateway_reference:
            state = gateway.payment_retrieve(reference=top_up.gateway_reference)
            if state.status == "succeeded":
                reference = state.reference
            elif state.status == "requires_action":
                raise AuthenticationRequired(reference=state.reference, client_secret=state.client_secret)
            elif state.status == "processing":
                raise ProviderUnavailable("The payment is still processing.")
            else:
                raise PaymentDeclined(state.failure_code or "card_declined", state.failure_message or "Declined.")
        else:
            reference = gateway.charge(_top_up_request(top_up)).reference
    except AuthenticationRequired as exc:
        _top_up_update(top_up.pk, status=TopUpStatus.REQUIRES_ACTION, reference=exc.reference, secret=exc.client_secret)
        return "requires_action"
    except PaymentDeclined as exc:
        _top_up_update(top_up.pk, status=TopUpStatus.FAILED, code=exc.code, message=exc.message)
        return "failed"
    except ProviderUnavailable:
        logger.info("top_up_provider_unavailable", top_up_id=top_up.pk)
        return "retry"
    top_up_succeed(top_up_id=top_up.pk, reference=reference)
    return "succeeded"


def _top_up_update(
    top_up_id: int, *, status: str, reference: str = "", secret: str = "", code: str = "", message: str = ""
) -> None:
    with transaction.atomic():
        top_up = TopUp.objects.select_for_update().get(pk=top_up_id)
        if top_up.status in (TopUpStatus.SUCCEEDED, TopUpStatus.FAILED):
            return  # another path settled it first
        top_up.status = status
        top_up.gateway_reference = reference or top_up.gateway_reference
        top_up.client_secret = secret or top_up.client_secret
        top_up.failure_code = code[:50]
        top_up.failure_message = message[:300]
        if status == TopUpStatus.FAILED:
            top_up.completed_at = timezone.now()
        top_up.save()
        if top_up.origin == TopUpOrigin.AUTO:
            from billing.auto_top_up import auto_top_up_settled_badly  # it builds on this module

            auto_top_up_settled_badly(top_up)


def top_up_succeed(*, top_up_id: int, reference: str) -> bool:
    """Phase 3: the payment succeeded — mark it and credit the wallet, once. Idempotent."""
    with transaction.atomic():
        top_up = TopUp.objects.select_for_update().get(pk=top_up_id)
        if top_up.status == TopUpStatus.SUCCEEDED:
            return False
        top_up.status = TopUpStatus.SUCCEEDED
        top_up.gateway_reference = reference
        top_up.client_secret = ""
        top_up.completed_at = timezone.now()
        top_up.save(update_fields=["status", "gateway_reference", "client_secret", "completed_at"])
        wallet = wallet_locked(pro=Pro.objects.get(pk=top_up.pro_id), currency=top_up.currency)
        _, created = _post(
            wallet,
            kind=WalletEntryKind.TOP_UP,
            amount=top_up.amount,
            key=f"topup-{top_up.pk}:credit",
            memo=f"Top-up #{top_up.pk}",
            top_up=top_up,
        )
    logger.info("top_up_credited", top_up_id=top_up_id, amount=top_up.amount, created=created)
    return created


def top_up_for_payment(*, metadata: dict[str, str]) -> int | None:
    """The open top-up a provider payment belongs to (from the payment's metadata), if any."""
    top_up_id = metadata.get("top_up_id")
    if not top_up_id or not str(top_up_id).isdigit():
        return None
    return (
        TopUp.objects.filter(pk=int(top_up_id), status__in=[TopUpStatus.PENDING, TopUpStatus.REQUIRES_ACTION])
        .values_list("pk", flat=True)
        .first()
    )


def top_ups_recover(*, older_than: dt.timedelta = dt.timedelta(minutes=1), limit: int = 500) -> dict[str, int]:
    """Settle top-ups a crash or an outage left open (same key / reference: never twice)."""
    return stale_pending_process(
        pending=TopUp.objects.filter(status__in=[TopUpStatus.PENDING, TopUpStatus.REQUIRES_ACTION]),
        process=lambda top_up_id: top_up_process(top_up_id=top_up_id),
        older_than=older_than,
        limit=limit,
    )


# --- unused balance back to the card (a pro leaving) ----------------------------------------
def wallet_balance_refund(*, pro: Pro, actor: User, reason: str) -> list[BalanceRefund]:
    """Pay the pro's unused credit back to the card(s) it was bought with (staff, audited).

    One transaction reserves it: the wallet is debited (``payout`` entry) and one pending
    ``BalanceRefund`` per top-up it came from is committed (newest top-ups first, never more
    than a top-up's amount less what was refunded of it). Then each is refunded at the
    provider under its own key (``balance_refund_process``; ``balance_refunds_recover`` after a
    crash). 409 ``nothing_to_refund`` when there is no refundable balance."""
    with transaction.atomic():
        wallet = wallet_locked(pro=pro, currency=pro.marketplace.currency)
        left = wallet.balance
        rows: list[BalanceRefund] = []
        top_ups = TopUp.objects.filter(pro=pro, status=TopUpStatus.SUCCEEDED).order_by("-created_at", "-pk")
        for top_up in top_ups:
            if left <= 0:
                break
            refunded = sum(
                BalanceRefund.objects.filter(top_up=top_up)
                .exclude(status=BalanceRefundStatus.FAILED)
                .values_list("amount", flat=True)
            )
            amount = min(left, top_up.amount - refunded)
            if amount <= 0:
                continue
            rows.append(
                BalanceRefund.objects.create(
                    marketplace_id=pro.marketplace_id,
                    pro=pro,
                    top_up=top_up,
                    amount=amount,
                    currency=top_up.currency,
                    idempotency_key=f"topup-{top_up.pk}-balance-refund-{uuid.uuid4().hex[:12]}",
                    gateway=top_up.gateway,
                    reason=reason[:300],
                    requested_by=actor,
                )
            )
            left -= amount
        if not rows:
            raise Conflict("nothing_to_refund", "There is no unused credit bought with a card to refund.")
        total = sum(row.amount for row in rows)
        _post(
            wallet,
            kind=WalletEntryKind.PAYOUT,
            amount=-total,
            key=f"balance-refund-{rows[0].pk}:wallet",
            memo=f"Unused credit refunded to the card: {reason}",
        )
    logger.info("wallet_balance_refund", pro_id=pro.pk, amount=total, actor_id=actor.pk, refunds=len(rows))
    for row in rows:
        balance_refund_process(balance_refund_id=row.pk)
    return [BalanceRefund.objects.get(pk=row.pk) for row in rows]


def balance_refund_process(*, balance_refund_id: int) -> str:
    """Refund one reserved amount at the provider: ``succeeded``, ``failed`` (the amount goes
    back to the wallet), ``retry`` (outage: same key next time) or ``done``."""
    row = BalanceRefund.objects.filter(pk=balance_refund_id, status=BalanceRefundStatus.PENDING).first()
    if row is None:
        return "done"
    top_up = TopUp.objects.get(pk=row.top_up_id)
    try:
        reference = gateway_get(row.gateway).refund(
            RefundRequest(
                reference=top_up.gateway_reference,
                amount=row.amount,
                currency=row.currency,
                idempotency_key=row.idempotency_key,
                metadata={"balance_refund_id": str(row.pk), "top_up_id": str(top_up.pk), "pro": str(row.pro_id)},
            )
        )
    except ProviderUnavailable:
        return "retry"
    except PaymentDeclined as exc:
        with transaction.atomic():
            locked = BalanceRefund.objects.select_for_update().get(pk=row.pk)
            if locked.status != BalanceRefundStatus.PENDING:
                return "done"
            locked.status = BalanceRefundStatus.FAILED
            locked.failure_message = exc.message[:300]
            locked.completed_at = timezone.now()
            locked.save(update_fields=["status", "failure_message", "completed_at"])
            _post(
                wallet_locked(pro=Pro.objects.get(pk=row.pro_id), currency=row.currency),
                kind=WalletEntryKind.CREDIT,
                amount=row.amount,
                key=f"{row.idempotency_key}:reversal",
                memo=f"Refund to the card refused ({exc.code}): credit kept",
            )
        return "failed"
    with transaction.atomic():
        locked = BalanceRefund.objects.select_for_update().get(pk=row.pk)
        if locked.status == BalanceRefundStatus.PENDING:
            locked.status = BalanceRefundStatus.SUCCEEDED
            locked.gateway_reference = reference
            locked.completed_at = timezone.now()
            locked.save(update_fields=["status", "gateway_reference", "completed_at"])
    return "succeeded"


def balance_refunds_recover(*, older_than: dt.timedelta = dt.timedelta(minutes=1), limit: int = 200) -> dict[str, int]:
    return stale_pending_process(
        pending=BalanceRefund.objects.filter(status=BalanceRefundStatus.PENDING),
        process=lambda pk: balance_refund_process(balance_refund_id=pk),
        older_than=older_than,
        limit=limit,
    )
