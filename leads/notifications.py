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
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import translation
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from billing.hooks import AutoTopUpAttention, LeadCredited
from leads.models import DeliveryStatus, Lead, LeadKind, Notification
from marketplace.i18n import language_of_pro, member_languages
from marketplace.money import Money, major_units
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


def push_message(notification: Notification, language: str | None = None) -> PushMessage:
    """What a phone or browser shows, in ``language`` (else the pro's): the subject as title,
    the body's first line, and ids the app needs to open the lead (FCM data values are strings)."""
    data = {"notification_id": str(notification.pk), "kind": notification.kind}
    if notification.lead_id:
        data["lead_id"] = str(notification.lead_id)
    subject, body = notification.text_in(language)
    first_line = (body or "").strip().splitlines()[:1]
    return PushMessage(title=subject, body=(first_line[0] if first_line else "")[:240], data=data)


def lead_announcement(lead: Lead) -> tuple[StrOrPromise, StrOrPromise]:
    """Subject and body announcing a lead, as lazy text: ``pro_notify`` renders them in the
    pro's language (the category name too)."""
    request = lead.request
    category = lazy(lambda: request.category.display_name, str)()
    deadline = ""
    if lead.deadline:
        local = lead.deadline.astimezone(ZoneInfo(lead.marketplace.time_zone))
        deadline = local.strftime("%Y-%m-%d %H:%M")
    subjects: dict[str, StrOrPromise] = {
        LeadKind.NEW: _("New lead: {category} in {area}"),
        LeadKind.MATCHED: _("Matched lead: {category} in {area} (answer by {deadline})"),
        LeadKind.PROMOTION: _("Your auto-quote was sent: {category} in {area}"),
    }
    subject = format_lazy(subjects[lead.kind], category=category, area=request.area, deadline=deadline)
    fee = major_units(lead.fee_amount, lead.fee_currency)
    body = format_lazy(
        "{description}\n\n{fee_line}",
        description=request.description,
        fee_line=format_lazy(_("Contact fee: {fee} {currency}."), fee=fee, currency=lead.fee_currency),
    )
    return subject, body


def pro_notify(
    *, pro: Pro, kind: str, subject: StrOrPromise, body: StrOrPromise, payload: dict, lead: Lead | None = None
) -> None:
    """Record an in-app notification for ``pro`` and queue e-mail, push and webhook delivery
    on commit. Lazy ``subject``/``body`` are rendered in the pro's language
    (``marketplace.i18n.language_of_pro``), not the language of the request that caused them,
    and in every other language its members read (``translations``): each member's e-mail,
    push and feed are in that member's own language."""
    from leads import tasks  # tasks import this module's helpers

    translations = {}
    for language in sorted(member_languages(pro.pk, pro.marketplace)):
        with translation.override(language):
            translations[language] = {"subject": str(subject)[:200], "body": str(body)}
    with translation.override(language_of_pro(pro.pk, pro.marketplace)):
        subject, body = str(subject), str(body)
    notification = Notification.objects.create(
        marketplace_id=pro.marketplace_id,
        pro=pro,
        lead=lead,
        kind=kind,
        subject=subject[:200],
        body=body,
        payload=payload,
        translations=translations,
        webhook_status=DeliveryStatus.PENDING if pro.webhook_url else DeliveryStatus.SKIPPED,
    )
    notification_id = notification.pk
    # Every channel is queued in the same on-commit flush: the pros offered one job (all of
    # whose leads commit together) get their e-mail, push and webhook at the same moment.
    transaction.on_commit(lambda: tasks.notification_email_send.delay(notification_id), robust=True)
    transaction.on_commit(lambda: tasks.notification_push_send.delay(notification_id), robust=True)
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
        subject=format_lazy(_("Fee credited: {amount} for lead {lead}"), amount=str(amount), lead=lead.pk),
        body=f"{credit.get_reason_display()}. {credit.memo}".strip(),
        payload={"lead": lead.pk, "reason": credit.reason, "amount": amount.as_json()},
        lead=lead,
    )


def pro_notify_auto_top_up(event: AutoTopUpAttention) -> None:
    """An automatic top-up needs the pro (``billing.hooks.auto_top_up_attention``): the bank
    asked for authentication, or the payment failed. Automatic top-ups wait for the pro."""
    pro = Pro.objects.select_related("marketplace").get(pk=event.pro_id)
    amount = Money(event.amount, event.currency)
    subjects = {
        "requires_action": _("Automatic top-up of {amount}: your bank asks you to confirm it"),
        "failed": _("Automatic top-up of {amount} failed"),
    }
    pro_notify(
        pro=pro,
        kind="wallet.auto_top_up_attention",
        subject=format_lazy(subjects.get(event.status, _("Automatic top-ups are paused")), amount=str(amount)),
        body=format_lazy(
            "{reason}\n\n{next}",
            reason=event.reason,
            next=_("Automatic top-ups are paused until you save them again; your balance still pays for leads."),
        ),
        payload={"top_up": event.top_up_id or None, "status": event.status, "amount": amount.as_json()},
    )
