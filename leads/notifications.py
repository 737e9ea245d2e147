"""Notify a pro: an in-app notice now; e-mail and a signed webhook once the transaction commits.

``pro_notify`` is the one entry point other apps call (ranking calls it for demotion
warnings). Nothing leaves the process before the caller's transaction commits, so a
rolled-back lead never produces a notice; delivery runs in Celery with retries and backoff,
so a slow or dead webhook URL never blocks the write that caused it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.db import transaction

from billing.hooks import LeadCredited
from leads.models import DeliveryStatus, Lead, Notification
from marketplace.money import Money
from pros.models import Pro

SIGNATURE_HEADER = "X-Leads-Signature"
TIMESTAMP_HEADER = "X-Leads-Timestamp"


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over ``"<timestamp>." + body`` with the pro's secret, hex encoded."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_headers(*, secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"t={timestamp},v1={webhook_signature(secret=secret, timestamp=timestamp, body=body)}",
    }


def webhook_body(notification: Notification) -> bytes:
    return json.dumps(
        {
            "id": notification.pk,
            "kind": notification.kind,
            "subject": notification.subject,
            "created_at": notification.created_at.isoformat(),
            "payload": notification.payload,
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


def pro_notify(*, pro: Pro, kind: str, subject: str, body: str, payload: dict, lead: Lead | None = None) -> None:
    """Record an in-app notification for ``pro`` and queue e-mail + webhook delivery on commit."""
    from leads import tasks  # tasks import this module's helpers

    notification = Notification.objects.create(
        marketplace_id=pro.marketplace_id,
        pro=pro,
        lead=lead,
        kind=kind,
        subject=subject[:200],
        body=body,
        payload=payload,
        webhook_status=DeliveryStatus.PENDING if pro.webhook_url else DeliveryStatus.SKIPPED,
    )
    notification_id = notification.pk
    transaction.on_commit(lambda: tasks.notification_email_send.delay(notification_id), robust=True)
    if pro.webhook_url:
        transaction.on_commit(lambda: tasks.notification_webhook_send.delay(notification_id), robust=True)


def pro_notify_credit(event: LeadCredited) -> None:
    """A lead's fee is coming back (``billing.hooks.lead_credited``): tell the pro why."""
    credit = event.credit
    lead = Lead.objects.select_related("pro").get(pk=credit.lead_id)
    amount = Money(credit.amount, credit.currency)
    pro_notify(
        pro=lead.pro,
        kind="lead.credited",
        subject=f"Fee credited: {amount} for lead {lead.pk}",
        body=f"{credit.get_reason_display()}. {credit.memo}".strip(),
        payload={"lead": lead.pk, "reason": credit.reason, "amount": amount.as_json()},
        lead=lead,
    )
