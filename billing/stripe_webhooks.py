"""Stripe webhooks: verify, store once, process in a worker.

The view only verifies the signature (a stale, unsigned, tampered or replayed delivery is a
400 and changes nothing) and inserts the event under its unique id; processing happens in a Celery
task queued on commit, so a redelivered event is a no-op and the view answers fast. Handlers
read the current state of our rows rather than trusting event order.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import stripe
import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from billing import cards, wallet
from billing.hooks import pending_charge_finish
from billing.ledger import ledger_refund_record
from billing.models import (
    Charge,
    Chargeback,
    ChargeStatus,
    ProviderEvent,
    Refund,
    RefundStatus,
)
from marketplace import metrics
from marketplace.errors import Invalid, Unavailable

logger = structlog.get_logger(__name__)


SIGNATURE_TOLERANCE_SECONDS = stripe.Webhook.DEFAULT_TOLERANCE


def stripe_event_receive(*, payload: bytes, signature: str | None) -> tuple[ProviderEvent, bool]:
    """Verify and store an event. Returns (event, created).

    Raises 400 ``invalid_signature`` (unsigned, tampered or older than the tolerance) and 400
    ``webhook_replayed`` for a delivery of a stored event carrying a signature timestamp
    already seen for it: Stripe signs every delivery anew (a retry has a new timestamp), so
    only a copy of an earlier delivery repeats one. Either way nothing changes.
    """
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
        data = json.loads(payload)
        event_id, event_type = data["id"], data["type"]
    except (stripe.SignatureVerificationError, ValueError, KeyError, TypeError):
        metrics.WEBHOOK_DELIVERIES.labels(provider="stripe", outcome="invalid").inc()
        raise Invalid("invalid_signature", _("The webhook signature or payload is invalid.")) from None
    seen_before = not _delivery_first_seen(event_id=str(event_id), signature=signature or "")
    try:
        with transaction.atomic():
            event = ProviderEvent.objects.create(provider="stripe", event_id=event_id, type=event_type, payload=data)
        created = True
    except IntegrityError:
        event, created = ProviderEvent.objects.get(provider="stripe", event_id=event_id), False
    if not created and seen_before:
        logger.warning("stripe_event_replayed", event_id=event_id, type=event_type)
        metrics.WEBHOOK_DELIVERIES.labels(provider="stripe", outcome="replayed").inc()
        raise Invalid("webhook_replayed", _("This webhook delivery was already received."))
    if event.processed_at is None:
        # Queued on every delivery until processed: if the broker is down we answer 503 and
        # the provider's retry queues it again (the task itself runs each event once).
        provider_event_enqueue(event_id=event.pk)
    metrics.WEBHOOK_DELIVERIES.labels(provider="stripe", outcome="stored" if created else "duplicate").inc()
    return event, created


def _delivery_first_seen(*, event_id: str, signature: str) -> bool:
    """Remember (event id, signature timestamp) for as long as that signature is accepted;
    False when it was already there. Kept in the shared cache: a replay older than the
    tolerance is refused by the signature check anyway. With the cache down this fails open
    (True): the unique event id still keeps a replay from changing anything."""
    timestamp = next(
        (value for key, _, value in (item.strip().partition("=") for item in signature.split(",")) if key == "t"), ""
    )
    try:
        ahead = max(0, int(timestamp) - int(time.time()))  # a sender's clock ahead of ours
    except ValueError:
        ahead = 0
    try:
        return cache.add(
            f"stripe-webhook-delivery:{event_id}:{timestamp}", 1, timeout=SIGNATURE_TOLERANCE_SECONDS + ahead + 60
        )
    except (RedisError, OSError) as exc:
        logger.warning("stripe_replay_check_unavailable", event_id=event_id, error=str(exc))
        return True


def provider_event_record(*, provider: str, event_id: str, event_type: str, obj: dict) -> ProviderEvent:
    """Record an event our own provider stand-in (the local gateway) emits, exactly as a
    verified webhook is recorded: once per event id, processed by the same task on commit
    (and by the redrive job should the broker be away)."""
    event, created = ProviderEvent.objects.get_or_create(
        provider=provider,
        event_id=event_id,
        defaults={
            "type": event_type,
            "payload": {"id": event_id, "object": "event", "type": event_type, "data": {"object": obj}},
        },
    )
    if created:
        transaction.on_commit(lambda: _enqueue_quietly(event.pk), robust=True)
    return event


def _enqueue_quietly(event_pk: int) -> None:
    from billing import tasks  # the tasks module imports this one

    try:
        tasks.provider_event_process.delay(event_pk)
    except Exception as exc:  # the broker is away: provider_events_redrive queues it later
        logger.warning("provider_event_enqueue_failed", event_id=event_pk, error=str(exc))


def provider_event_enqueue(*, event_id: int) -> None:
    from billing import tasks  # the tasks module imports this one

    try:
        tasks.provider_event_process.delay(event_id)
    except Exception as exc:  # kombu/redis raise several types when the broker is away
        logger.warning("stripe_event_enqueue_failed", event_id=event_id, error=str(exc))
        raise Unavailable(
            "service_unavailable", _("Stored, but could not be queued; retry the delivery."), retry_after=30
        ) from None


def provider_events_redrive(*, older_than: dt.timedelta = dt.timedelta(minutes=2), limit: int = 500) -> int:
    """Queue again events stored but never processed (e.g. a worker lost them)."""
    from billing import tasks  # the tasks module imports this one

    cutoff = timezone.now() - older_than
    ids = list(
        ProviderEvent.objects.filter(processed_at__isnull=True, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        tasks.provider_event_process.delay(pk)
    return len(ids)


def provider_event_process(*, event_id: int) -> str:
    with transaction.atomic():
        event = ProviderEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return "missing"
        if event.processed_at is not None:
            return "already processed"
        handler = HANDLERS.get(event.type)
        outcome = handler(event.payload["data"]["object"], provider=event.provider) if handler else "ignored"
        event.processed_at = timezone.now()
        event.outcome = outcome[:200]
        event.save(update_fields=["processed_at", "outcome"])
    logger.info("stripe_event_processed", event_id=event.event_id, type=event.type, outcome=outcome)
    return outcome


def _setup_intent_succeeded(intent: dict, *, provider: str) -> str:
    token = intent.get("payment_method")
    if not token:
        return "no payment method"
    saved = cards.payment_method_attach(gateway_name=provider, customer=intent.get("customer") or "", token=token)
    return "payment method saved" if saved else "unknown customer"


def _payment_intent_settled(intent: dict, *, provider: str) -> str:
    """Succeeded or failed at the provider: finish what the payment was for — a pending lead
    charge (``charge_id`` metadata) or a top-up (``top_up_id``) — the usual way, which asks
    the provider again, so event order does not matter."""
    metadata = intent.get("metadata") or {}
    top_up_id = wallet.top_up_for_payment(metadata=metadata)
    if top_up_id is not None:
        transaction.on_commit(lambda: wallet.top_up_process(top_up_id=top_up_id), robust=True)
        return "top-up settlement queued"
    charge_id = metadata.get("charge_id")
    charge = Charge.objects.filter(pk=charge_id, status=ChargeStatus.PENDING).first() if charge_id else None
    if charge is None:
        return "nothing pending"
    if not charge.gateway_reference and metadata.get("idempotency_key") == charge.idempotency_key and intent.get("id"):
        # The payment made under the charge's key: read it back by reference from now on
        # (after an authentication, a re-sent request would only replay the first answer).
        Charge.objects.filter(pk=charge.pk, gateway_reference="").update(gateway_reference=intent["id"])
    charge_pk = charge.pk
    # After the event is committed as processed; if settling fails (provider or database
    # trouble) it is logged and the charge stays pending for the recovery job.
    transaction.on_commit(lambda: pending_charge_finish(charge_id=charge_pk), robust=True)
    return "charge settlement queued"


def _charge_refunded(provider_charge: dict, *, provider: str) -> str:
    """Refunds made outside our flow (e.g. in the Stripe dashboard) join the ledger too.

    ``amount_refunded`` is the provider's running total, so what is new is that total less
    what we hold. The charge row is locked first (as dispute refunds do), so two events for
    one charge processed at once take turns and the second sees what the first recorded.
    """
    charge = (
        Charge.objects.select_for_update()
        .filter(gateway_reference=provider_charge.get("payment_intent"))
        .exclude(gateway_reference="")
        .first()
    )
    if charge is None:
        return "unknown charge"
    refunded_there = int(provider_charge.get("amount_refunded") or 0)
    refunded_here = sum(
        Refund.objects.filter(charge=charge).exclude(status=RefundStatus.FAILED).values_list("amount", flat=True)
    )
    missing = refunded_there - refunded_here
    if missing <= 0:
        return "ledger up to date"
    key = f"stripe-{charge.gateway_reference}-refunded-{refunded_there}"
    refund, created = Refund.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "marketplace_id": charge.marketplace_id,
            "charge": charge,
            "pro_id": charge.pro_id,
            "lead_id": charge.lead_id,
            "amount": missing,
            "currency": charge.currency,
            "status": RefundStatus.SUCCEEDED,
            "gateway": provider,
            "completed_at": timezone.now(),
            "reason": "Refunded at the provider",
        },
    )
    if created:
        ledger_refund_record(refund)
    return f"recorded provider refund of {missing}"


def _dispute_created(dispute: dict, *, provider: str) -> str:
    charge = Charge.objects.filter(gateway_reference=dispute.get("payment_intent")).first()
    if charge is None:
        return "unknown charge"
    Chargeback.objects.get_or_create(
        provider_reference=dispute["id"],
        defaults={
            "charge": charge,
            "amount": int(dispute.get("amount") or 0),
            "currency": (dispute.get("currency") or charge.currency).upper(),
            "reason": dispute.get("reason") or "",
            "status": dispute.get("status") or "",
        },
    )
    logger.warning("stripe_chargeback_opened", charge_id=charge.pk, dispute=dispute["id"])
    return "chargeback recorded"


HANDLERS = {
    "setup_intent.succeeded": _setup_intent_succeeded,
    "payment_intent.succeeded": _payment_intent_settled,
    "payment_intent.payment_failed": _payment_intent_settled,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
}
