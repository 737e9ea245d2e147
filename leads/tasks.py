"""Celery tasks of the lead lifecycle. Each takes ids, reloads, checks state, and is safe to rerun."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import requests
import structlog
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone

from leads.models import DeliveryStatus, Notification
from leads.notifications import webhook_body, webhook_headers
from marketplace import metrics
from marketplace.models import Role, User
from marketplace.outbound import OutboundRefused, outbound_post

logger = structlog.get_logger(__name__)

WEBHOOK_MAX_RETRIES = 6


class WebhookDeliveryError(Exception):
    """The pro's endpoint did not answer 2xx: transient from our side, so retried with backoff."""


@shared_task(name="leads.tasks.notification_email_send", ignore_result=True)
def notification_email_send(notification_id: int) -> None:
    notification = Notification.objects.filter(pk=notification_id).select_related("pro").first()
    if notification is None or notification.email_status != DeliveryStatus.PENDING:
        return
    recipients = list(
        User.objects.filter(pro_id=notification.pro_id, role=Role.PRO, is_active=True).values_list("email", flat=True)
    )
    if not recipients:
        Notification.objects.filter(pk=notification_id).update(email_status=DeliveryStatus.SKIPPED)
        metrics.NOTIFICATIONS.labels(channel="email", outcome="skipped").inc()
        return
    try:
        send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        metrics.NOTIFICATIONS.labels(channel="email", outcome="failed").inc()
        raise
    Notification.objects.filter(pk=notification_id).update(email_status=DeliveryStatus.SENT)
    metrics.NOTIFICATIONS.labels(channel="email", outcome="delivered").inc()


@shared_task(
    bind=True,
    name="leads.tasks.notification_webhook_send",
    ignore_result=True,
    autoretry_for=(WebhookDeliveryError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=WEBHOOK_MAX_RETRIES,
)
def notification_webhook_send(self, notification_id: int) -> None:
    notification = Notification.objects.filter(pk=notification_id).select_related("pro").first()
    if notification is None or notification.webhook_status != DeliveryStatus.PENDING:
        return
    pro = notification.pro
    if not pro.webhook_url:
        Notification.objects.filter(pk=notification_id).update(webhook_status=DeliveryStatus.SKIPPED)
        metrics.NOTIFICATIONS.labels(channel="webhook", outcome="skipped").inc()
        return
    body = webhook_body(notification)
    headers = webhook_headers(secret=pro.webhook_secret, body=body)
    Notification.objects.filter(pk=notification_id).update(webhook_attempts=F("webhook_attempts") + 1)
    log = logger.bind(notification_id=notification_id, pro_id=pro.pk, url=_loggable(pro.webhook_url))
    try:
        response = outbound_post(pro.webhook_url, body=body, headers=headers)
    except OutboundRefused as exc:  # permanent: the URL may not be reached, so never retried
        Notification.objects.filter(pk=notification_id).update(
            webhook_status=DeliveryStatus.FAILED, webhook_last_error=f"refused: {exc}"[:500]
        )
        log.warning("webhook_delivery_refused", reason=str(exc))
        metrics.NOTIFICATIONS.labels(channel="webhook", outcome="failed").inc()
        return
    except requests.RequestException as exc:
        _webhook_failed(self, notification_id, f"{type(exc).__name__}: {exc}")
        raise WebhookDeliveryError(str(exc)) from exc
    if not 200 <= response.status < 300:  # a 3xx is a failure too: redirects are never followed
        _webhook_failed(self, notification_id, f"HTTP {response.status}")
        raise WebhookDeliveryError(f"HTTP {response.status}")
    Notification.objects.filter(pk=notification_id).update(webhook_status=DeliveryStatus.SENT, webhook_last_error="")
    metrics.NOTIFICATIONS.labels(channel="webhook", outcome="delivered").inc()
    log.info("webhook_delivered", status=response.status, attempt=self.request.retries + 1)


def _loggable(url: str) -> str:
    """The URL without query or credentials (a pro may put a token there); the signing secret
    is never logged."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"[:200]
    except ValueError:
        return "(invalid URL)"


def _webhook_failed(task, notification_id: int, error: str) -> None:
    final = task.request.retries >= WEBHOOK_MAX_RETRIES
    Notification.objects.filter(pk=notification_id).update(
        webhook_last_error=error[:500], **({"webhook_status": DeliveryStatus.FAILED} if final else {})
    )
    logger.warning("webhook_delivery_failed", notification_id=notification_id, error=error, final=final)
    metrics.NOTIFICATIONS.labels(channel="webhook", outcome="failed" if final else "retried").inc()


@shared_task(name="leads.tasks.accept_charge_process_task", ignore_result=True)
def accept_charge_process_task(charge_id: int) -> str:
    """Gateway phase of an auto-quote's charge, queued when its lead commits. Not retried
    blindly: a provider outage leaves the charge pending for ``accept_charges_recover``."""
    from leads.services.accept import accept_charge_process  # tasks load their services lazily

    return accept_charge_process(charge_id=charge_id)


@shared_task(name="leads.tasks.accept_charges_recover", ignore_result=True)
def accept_charges_recover() -> dict:
    """Beat: finish or void charges left pending for over a minute (a crash between phases)."""
    from leads.services.accept import accept_charges_recover as recover  # tasks load their services lazily

    return recover()


@shared_task(name="leads.tasks.leads_expire_due", ignore_result=True)
def leads_expire_due() -> int:
    """Beat: make expiry durable in locked batches and close requests with nothing open."""
    from leads.services.lifecycle import leads_expire_due as expire  # tasks load their services lazily

    return expire()


RESEND_AFTER = dt.timedelta(minutes=5)
RESEND_WITHIN = dt.timedelta(days=1)


@shared_task(name="leads.tasks.notifications_resend_stale", ignore_result=True)
def notifications_resend_stale() -> int:
    """Beat: requeue deliveries whose on-commit enqueue was lost (broker down at the time):
    still pending, never attempted, older than a few minutes. The send tasks re-check state,
    so a delivery that was merely slow is not sent twice."""
    now = timezone.now()
    window = {"created_at__lt": now - RESEND_AFTER, "created_at__gte": now - RESEND_WITHIN}
    emails = list(
        Notification.objects.filter(email_status=DeliveryStatus.PENDING, **window).values_list("pk", flat=True)[:1000]
    )
    hooks = list(
        Notification.objects.filter(webhook_status=DeliveryStatus.PENDING, webhook_attempts=0, **window).values_list(
            "pk", flat=True
        )[:1000]
    )
    for notification_id in emails:
        notification_email_send.delay(notification_id)
    for notification_id in hooks:
        notification_webhook_send.delay(notification_id)
    return len(emails) + len(hooks)
