"""Notify a pro: an in-app notice now; e-mail, push and a signed webhook once the transaction commits.

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

from leads.models import DeliveryStatus, Lead, Notification
from pros.models import Pro
from push.senders import PushMessage

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


def push_message(notification: Notification) -> PushMessage:
    """What a phone or browser shows: the subject as title, the body's first line, and ids
    the app needs to open the lead (FCM data values are strings)."""
    data = {"notification_id": str(notification.pk), "kind": notification.kind}
    if notification.lead_id:
        data["lead_id"] = str(notification.lead_id)
    first_line = (notification.body or "").strip().splitlines()[:1]
    return PushMessage(title=notification.subject, body=(first_line[0] if first_line else "")[:240], data=data)


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
    # Every channel is queued in the same on-commit flush: the pros offered one job (all of
    # whose leads commit together) get their e-mail, push and webhook at the same moment.
    transaction.on_commit(lambda: tasks.notification_email_send.delay(notification_id), robust=True)
    transaction.on_commit(lambda: tasks.notification_push_send.delay(notification_id), robust=True)
    if pro.webhook_url:
        transaction.on_commit(lambda: tasks.notification_webhook_send.delay(notification_id), robust=True)
