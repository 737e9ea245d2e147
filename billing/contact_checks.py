"""Unreachable-contact credits (issue #15 item 4): a pro's report, settled by a signal.

The pro reports a lead's contact unreachable through the dispute endpoint (reasons
``unreachable_contact`` and ``fake_contact``), within the dispute window. With the policy's
``unreachable_credit_enabled`` switch on, ``contact_check_open`` (in the dispute's
transaction) looks for a signal:

- **the homeowner's e-mail bounced**: a hard bounce of the request's contact address (else
  the homeowner's account address) recorded since the request was made — by the e-mail
  provider's signed webhook (``contact_bounce_record``) — credits the lead at once, or as soon
  as the bounce arrives while the report waits;
- **the homeowner does not confirm the request when asked**: the homeowner is e-mailed a
  confirmation request (``POST /api/v1/quote-requests/{id}/confirm/``); not confirmed within
  ``unreachable_confirm_hours`` (default 48), the periodic sweep (``contact_checks_sweep``)
  credits the lead.

A homeowner who confirms hands the report to staff as a normal dispute. With no signal (the
switch off) the report is a staff dispute from the start. Credits go through
``credits.lead_credit_grant`` (reason ``unreachable``): once per lead, whatever asks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import credits
from billing.models import (
    ContactCheck,
    ContactCheckStatus,
    CreditReason,
    DisputeReason,
    EmailBounce,
    LeadDispute,
)
from billing.selectors import payment_policy
from marketplace.celery_routing import NOTIFICATIONS
from marketplace.errors import Conflict, Invalid
from marketplace.models import User

logger = structlog.get_logger(__name__)

CONTACT_REASONS = (DisputeReason.UNREACHABLE_CONTACT, DisputeReason.FAKE_CONTACT)
EMAIL_BOUNCED, NOT_CONFIRMED = "email_bounced", "not_confirmed"


def contact_check_open(*, dispute: LeadDispute, now: dt.datetime) -> ContactCheck | None:
    """Called in the transaction opening ``dispute``: start the check (or credit at once on a
    bounce already recorded). None when the reason is not a contact one or the switch is off."""
    if dispute.reason not in CONTACT_REASONS:
        return None
    policy = payment_policy(marketplace_id=dispute.marketplace_id)
    if not policy.unreachable_credit_enabled:
        return None
    request = dispute.lead.request
    email = (request.contact_email or request.homeowner.email or "").strip().lower()
    if not email:
        return None
    check = ContactCheck.objects.create(
        marketplace_id=dispute.marketplace_id,
        dispute=dispute,
        lead_id=dispute.lead_id,
        request_id=request.pk,
        email=email,
        asked_at=now,
        confirm_by=now + dt.timedelta(hours=policy.unreachable_confirm_hours),
    )
    if EmailBounce.objects.filter(
        email=email, kind=EmailBounce.Kind.HARD, occurred_at__gte=request.created_at
    ).exists():
        _credit(check.pk, signal=EMAIL_BOUNCED, now=now)
        return check
    check_id = check.pk
    transaction.on_commit(lambda: _queue_confirmation_email(check_id), robust=True)
    return check


def _queue_confirmation_email(check_id: int) -> None:
    from billing import tasks  # tasks import this module

    tasks.contact_confirmation_email_send.apply_async(args=[check_id], queue=NOTIFICATIONS)


def confirmation_email(check: ContactCheck) -> tuple[str, str]:
    """Subject and body of the homeowner's confirmation request."""
    request_id = check.request_id
    subject = str(_("Please confirm your quote request #{request}")).format(request=request_id)
    body = str(
        _(
            "A pro who answered your quote request #{request} could not reach you. Open the request in the app "
            "and confirm it is yours and that you can be reached, within {hours} hours. If you did not ask for "
            "quotes, ignore this e-mail."
        )
    ).format(request=request_id, hours=max(1, round((check.confirm_by - check.asked_at).total_seconds() / 3600)))
    return subject, body


def _credit(check_id: int, *, signal: str, now: dt.datetime) -> bool:
    """Credit the reported lead (policy permitting), once. True when this call credited it."""
    with transaction.atomic():
        check = ContactCheck.objects.select_for_update(of=("self",)).select_related("dispute").get(pk=check_id)
        if check.status != ContactCheckStatus.AWAITING:
            return False
        check.resolved_at = now
        check.signal = signal
        if not payment_policy(marketplace_id=check.marketplace_id).unreachable_credit_enabled:
            check.status = ContactCheckStatus.NO_SIGNAL  # switched off meanwhile: staff decide
            check.save(update_fields=["status", "signal", "resolved_at"])
            return False
        memo = {EMAIL_BOUNCED: "The homeowner's e-mail bounced.", NOT_CONFIRMED: "The homeowner did not confirm."}
        try:
            credits.lead_credit_grant(
                charge_id=check.dispute.charge_id, reason=CreditReason.UNREACHABLE, memo=memo[signal], now=now
            )
        except Conflict as exc:  # credited or refunded another way meanwhile
            logger.info("contact_check_not_credited", check_id=check_id, code=exc.code)
            check.status = ContactCheckStatus.NO_SIGNAL
            check.save(update_fields=["status", "signal", "resolved_at"])
            return False
        check.status = ContactCheckStatus.CREDITED
        check.save(update_fields=["status", "signal", "resolved_at"])
    logger.info("contact_check_credited", check_id=check_id, signal=signal)
    return True


def contact_bounce_record(
    *, event_id: str, email: str, kind: str, occurred_at: dt.datetime, diagnostic: str = ""
) -> tuple[EmailBounce, bool, int]:
    """Store one bounce (once per provider event id) and, for a hard one, credit the reports
    waiting on that address for requests made before it. Returns (bounce, created, credited)."""
    email = email.strip().lower()
    try:
        with transaction.atomic():
            bounce = EmailBounce.objects.create(
                event_id=event_id, email=email, kind=kind, occurred_at=occurred_at, diagnostic=diagnostic[:300]
            )
    except IntegrityError:
        return EmailBounce.objects.get(event_id=event_id), False, 0
    credited = 0
    if kind == EmailBounce.Kind.HARD:
        waiting = ContactCheck.objects.filter(
            email=email, status=ContactCheckStatus.AWAITING, request__created_at__lte=occurred_at
        ).values_list("pk", flat=True)
        for check_id in list(waiting):
            credited += _credit(check_id, signal=EMAIL_BOUNCED, now=timezone.now())
    logger.info("email_bounce_recorded", kind=kind, credited=credited)
    return bounce, True, credited


def contact_confirm(*, request_id: int, homeowner: User, now: dt.datetime | None = None) -> int:
    """The homeowner confirms a request a pro reported unreachable: the reports waiting on it
    go to staff as normal disputes. Returns how many were waiting (0: confirmed already). 409
    ``confirmation_not_requested`` when none was asked, ``confirmation_window_closed`` when
    every report was settled without it."""
    now = now or timezone.now()
    with transaction.atomic():
        checks = list(
            ContactCheck.objects.select_for_update(of=("self",))
            .filter(request_id=request_id, request__homeowner=homeowner)
            .order_by("pk")
        )
        if not checks:
            raise Conflict("confirmation_not_requested", _("Nobody asked to confirm this request."))
        waiting = [c for c in checks if c.status == ContactCheckStatus.AWAITING and now < c.confirm_by]
        if not waiting and not any(c.status == ContactCheckStatus.CONFIRMED for c in checks):
            raise Conflict("confirmation_window_closed", _("The time to confirm this request has passed."))
        for check in waiting:
            check.status = ContactCheckStatus.CONFIRMED
            check.resolved_at = now
            check.save(update_fields=["status", "resolved_at"])
            LeadDispute.objects.filter(pk=check.dispute_id, status="open").update(
                details=(check.dispute.details + "\n" if check.dispute.details else "")
                + f"[{now:%Y-%m-%d %H:%M} UTC] The homeowner confirmed the request and the contact details."
            )
    logger.info("contact_confirmed", request_id=request_id, reports=len(waiting))
    return len(waiting)


def contact_checks_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Credit the reports whose homeowner did not confirm within the window (the periodic job).
    Returns how many were credited."""
    now = now or timezone.now()
    due = ContactCheck.objects.filter(Q(status=ContactCheckStatus.AWAITING) & Q(confirm_by__lte=now)).order_by("pk")
    credited = 0
    for check_id in list(due.values_list("pk", flat=True)[:limit]):
        credited += _credit(check_id, signal=NOT_CONFIRMED, now=now)
    return credited


# --- the e-mail provider's bounce webhook ---------------------------------------------------
BOUNCE_SIGNATURE_HEADER = "X-Email-Signature"
BOUNCE_SIGNATURE_TOLERANCE_SECONDS = 300


def bounce_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over ``"<timestamp>." + body`` with the shared secret, hex encoded (the
    scheme of our own outbound webhooks)."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def bounce_signature_verify(*, body: bytes, header: str | None, now: float | None = None) -> None:
    """400 ``invalid_signature`` unless ``header`` is ``t=<unix time>,v1=<hex>`` signing
    ``body`` with ``settings.EMAIL_WEBHOOK_SECRET``, within five minutes of now."""
    secret = settings.EMAIL_WEBHOOK_SECRET
    parts = dict(item.strip().partition("=")[::2] for item in (header or "").split(",") if "=" in item)
    timestamp, given = parts.get("t", ""), parts.get("v1", "")
    now = time.time() if now is None else now
    if not (secret and timestamp.isdigit() and given):
        raise Invalid("invalid_signature", _("The webhook signature or payload is invalid."))
    expected = bounce_signature(secret=secret, timestamp=int(timestamp), body=body)
    if abs(now - int(timestamp)) > BOUNCE_SIGNATURE_TOLERANCE_SECONDS or not hmac.compare_digest(expected, given):
        raise Invalid("invalid_signature", _("The webhook signature or payload is invalid."))
