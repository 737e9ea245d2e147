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

from leads.delivery import audience_for
from leads.models import DeliveryStatus, Notification
from leads.notifications import push_message, webhook_body, webhook_headers
from marketplace import metrics
from marketplace.i18n import language_of_user
from marketplace.outbound import OutboundRefused, outbound_post
from push import services as push_services
from push.models import Device
from push.senders import push_send

logger = structlog.get_logger(__name__)

WEBHOOK_MAX_RETRIES = 6
PUSH_MAX_RETRIES = 5


class WebhookDeliveryError(Exception):
    """The pro's endpoint did not answer 2xx: transient from our side, so retried with backoff."""


@shared_task(name="leads.tasks.notification_email_send", ignore_result=True)
def notification_email_send(notification_id: int) -> None:
    notification = Notification.objects.filter(pk=notification_id).select_related("pro", "marketplace").first()
    if notification is None or notification.email_status != DeliveryStatus.PENDING:
        return
    audience = audience_for(notification, channel="email")
    recipients = [user.email for user in audience.now]
    # One message per language among the recipients: each member reads its own.
    by_language: dict[str, list[str]] = {}
    for user in audience.now:
        by_language.setdefault(language_of_user(user, notification.marketplace), []).append(user.email)
    for language, addresses in sorted(by_language.items()):
        subject, body = notification.text_in(language)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, addresses)
        except Exception:
            metrics.NOTIFICATIONS.labels(channel="email", outcome="failed").inc()
            raise
    status = DeliveryStatus.SENT if recipients else DeliveryStatus.HELD if audience.held else DeliveryStatus.SKIPPED
    Notification.objects.filter(pk=notification_id).update(email_status=status)
    outcome = {DeliveryStatus.SENT: "delivered", DeliveryStatus.HELD: "held", DeliveryStatus.SKIPPED: "skipped"}
    metrics.NOTIFICATIONS.labels(channel="email", outcome=outcome[status]).inc()


@shared_task(bind=True, name="leads.tasks.notification_push_send", ignore_result=True, max_retries=PUSH_MAX_RETRIES)
def notification_push_send(
    self, notification_id: int, device_ids: list[int] | None = None, delivered: bool = False
) -> None:
    """Push a notification to its audience's devices (FCM and Web Push). Invalid tokens are
    pruned; devices whose provider answered a transient error are retried — only those, with
    exponential backoff; other failures are recorded on the device, never retried."""
    notification = Notification.objects.filter(pk=notification_id).select_related("pro", "marketplace").first()
    if notification is None or notification.push_status != DeliveryStatus.PENDING:
        return
    if device_ids is None:
        audience = audience_for(notification, channel="push")
        devices = list(Device.objects.filter(user__in=audience.now).select_related("user").order_by("pk"))
        if not devices:
            status = DeliveryStatus.HELD if audience.held else DeliveryStatus.SKIPPED
            Notification.objects.filter(pk=notification_id).update(push_status=status)
            metrics.NOTIFICATIONS.labels(channel="push", outcome=str(status)).inc()
            return
    else:
        devices = list(Device.objects.filter(pk__in=device_ids).select_related("user").order_by("pk"))
    Notification.objects.filter(pk=notification_id).update(push_attempts=F("push_attempts") + 1)
    by_language: dict[str, list[Device]] = {}  # each member's devices show its own language
    for device in devices:
        by_language.setdefault(language_of_user(device.user, notification.marketplace), []).append(device)
    results = [
        result
        for language, group in sorted(by_language.items())
        for result in push_send(devices=group, message=push_message(notification, language))
    ]
    push_services.devices_prune(device_ids=[r.device_id for r in results if r.outcome == "invalid"])
    push_services.devices_mark(
        sent=[r.device_id for r in results if r.outcome == "sent"],
        errors={r.device_id: r.error for r in results if r.outcome in ("transient", "failed")},
    )
    delivered = delivered or any(r.outcome == "sent" for r in results)
    transient = [r.device_id for r in results if r.outcome == "transient"]
    errors = "; ".join(f"device {r.device_id}: {r.error}" for r in results if r.error)[:500]
    if transient and self.request.retries < PUSH_MAX_RETRIES:
        Notification.objects.filter(pk=notification_id).update(push_last_error=errors)
        logger.warning("push_delivery_retry", notification_id=notification_id, devices=len(transient))
        raise self.retry(
            args=[notification_id],
            kwargs={"device_ids": transient, "delivered": delivered},
            countdown=min(600, 5 * 2**self.request.retries),
        )
    if delivered:
        status = DeliveryStatus.SENT
    elif transient or any(r.outcome == "failed" for r in results):
        status = DeliveryStatus.FAILED
    else:
        status = DeliveryStatus.SKIPPED  # every device's token was invalid and is pruned
    Notification.objects.filter(pk=notification_id).update(push_status=status, push_last_error=errors)
    metrics.NOTIFICATIONS.labels(channel="push", outcome="delivered" if delivered else str(status)).inc()


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


@shared_task(name="leads.tasks.interests_lapse_due", ignore_result=True)
def interests_lapse_due() -> int:
    """Beat: interest the homeowner did not take up in time → lapsed (free; pay on mutual interest)."""
    from leads.services.interest import interests_lapse_due as lapse  # tasks load their services lazily

    return lapse()


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
    pushes = list(
        Notification.objects.filter(push_status=DeliveryStatus.PENDING, push_attempts=0, **window).values_list(
            "pk", flat=True
        )[:1000]
    )
    for notification_id in emails:
        notification_email_send.delay(notification_id)
    for notification_id in hooks:
        notification_webhook_send.delay(notification_id)
    for notification_id in pushes:
        notification_push_send.delay(notification_id)
    return len(emails) + len(hooks) + len(pushes)


@shared_task(name="leads.tasks.notifications_summaries_send", ignore_result=True)
def notifications_summaries_send() -> int:
    """Beat: when a user's quiet hours end (the start of its working hours), one summary push
    and e-mail of what was held back."""
    from leads.delivery import summaries_send

    return summaries_send(batch_size=settings.CELERY_BATCH_SIZE)
