"""Pay on mutual interest (Rule 14, ``policy.pay_on_mutual_interest``): interest, connect, lapse.

Sequence, for a matched lead in a marketplace with the switch on:

1. **Interest** — the pro's accept (``POST /pro/leads/{id}/accept/``, same body) is free: the
   lead moves ``pending`` → ``interested``, keeps the pro's quote (message, price), counts as a
   response (Rule 6) and stays open for the homeowner until ``interest_expires_at`` (now +
   ``policy.interest_ttl_hours``). No charge, no contact either way.
2. **Connect** — the homeowner reads the interested pros (profile, rating, quote) and connects
   with one (``POST /quote-requests/{id}/connect/ {pro}``). Only now is that pro charged, by
   the accept's own machinery (``accept._accept_open`` / ``accept._accept_pay``: the matched
   capacity counting connections and connects in flight, the weekly spend cap, card per lead
   or a wallet debit, one charge per lead whatever the retries). Once paid the lead is
   ``accepted``: the pro sees the homeowner's contact and the homeowner the pro's, and the
   pro is notified (``lead.connected``) with the contact.
3. **Payment the pro must fix** — the homeowner cannot fix the pro's card: a declined card,
   a bank asking for authentication, too little credit, the spend cap or no saved card answer
   the homeowner 409 ``pro_payment_failed`` (``reason``: the payment's code). The interest is
   kept and marked chosen (``connect_requested_at``); the pro is notified
   (``lead.connect_payment_failed``) and completes the connection itself by accepting the lead
   again once its payment is fixed (authenticating, a new card, a top-up) — that accept
   charges as an ordinary accept — or the homeowner connects again.
4. **Lapse** — interest not taken up by ``interest_expires_at`` reads ``lapsed`` at once and is
   made durable by ``interests_lapse_due`` (beat): free, and still a response. When the
   matched capacity is reached by connections, the other interest closes as ``filled``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from billing.models import Charge, ChargeStatus
from leads import hooks
from leads.models import Lead, LeadKind, LeadStatus, Notification, QuoteRequest, RequestStatus
from leads.notifications import pro_notify
from leads.services import accept
from leads.services.lifecycle import requests_close_if_done
from leads.state import (
    effective_status_expression,
    is_interest_lapsed,
    lead_transition,
    leads_bulk_transition,
    lock_request_and_lead,
)
from marketplace.errors import Conflict, NotFound, PaymentRequired
from marketplace.models import Marketplace, User
from marketplace.money import Money
from marketplace.selectors import marketplace_policy
from pros.models import Pro

# A homeowner retrying a connect the pro cannot pay for does not flood the pro with notices.
PAYMENT_FAILED_NOTICE_EVERY = dt.timedelta(minutes=10)


def _pending_charge() -> Exists:
    return Exists(Charge.objects.filter(lead_id=OuterRef("pk"), status=ChargeStatus.PENDING))


def interest_applies(*, lead_id: int, pro_id: int, marketplace: Marketplace) -> bool:
    """Whether the pro's accept of this lead is a free expression of interest: the marketplace
    pays on mutual interest, the lead is matched, and the homeowner has not chosen this pro yet
    (once it has, or while a charge is in flight, the pro's accept is an ordinary paid accept
    that completes the connection). False for a lead that is not the pro's: the accept 404s.
    No statement when the marketplace does not pay on mutual interest (its policy is cached)."""
    if not marketplace_policy(marketplace).pay_on_mutual_interest:
        return False
    lead = (
        Lead.objects.filter(pk=lead_id, pro_id=pro_id, marketplace_id=marketplace.pk)
        .annotate(paying=_pending_charge())
        .first()
    )
    return not (lead is None or lead.kind != LeadKind.MATCHED or lead.connect_requested_at is not None or lead.paying)


def lead_express_interest(
    *, lead_id: int, pro: Pro, actor: User | None = None, message: str = "", price: int | None = None
) -> Lead:
    """Step 1: the pro's free answer to a matched lead (see the module docstring). Repeating it
    changes nothing; 409 ``lead_expired`` / ``lead_not_pending`` / ``interest_lapsed`` as for
    an accept."""
    now = timezone.now()
    with transaction.atomic():
        request, lead = lock_request_and_lead(lead_id=lead_id, pro=pro)
        if lead.status == LeadStatus.INTERESTED and not is_interest_lapsed(lead, now):
            return lead  # a double tap or a retry: already interested
        lead.quote_message = message
        lead.quote_price_min = lead.quote_price_max = price
        lead.responded_at = now
        ttl = marketplace_policy(request.marketplace).interest_ttl_hours
        lead.interest_expires_at = now + dt.timedelta(hours=ttl)
        lead_transition(
            lead,
            LeadStatus.INTERESTED,
            actor=actor,
            now=now,
            note="interest (free until the homeowner connects)",
            extra_fields=("quote_message", "quote_price_min", "quote_price_max", "responded_at", "interest_expires_at"),
        )
        hooks.lead_answered.send(hooks.LeadAnswered(lead=lead, request=request, outcome="interested", occurred_at=now))
    return lead


def lead_connect(*, marketplace: Marketplace, homeowner: User, request_id: int, pro_id: int) -> Lead:
    """Step 2: the homeowner connects with an interested pro: charge it, reveal both contacts.

    404 for another homeowner's request; 409 ``request_cancelled``, ``pro_not_interested`` (no
    interest from that pro on this request), ``interest_lapsed``, ``request_filled`` (the
    matched capacity is taken by connections) or ``pro_payment_failed`` (step 3); 503 when the
    payment provider is down (retry). Connecting again with a connected pro returns its lead
    and charges nothing.
    """
    now = timezone.now()
    with transaction.atomic():
        request = (
            QuoteRequest.objects.select_for_update()
            .filter(pk=request_id, marketplace=marketplace, homeowner=homeowner)
            .first()
        )
        if request is None:
            raise NotFound()
        lead = (
            Lead.objects.select_for_update()
            .filter(request=request, pro_id=pro_id, interest_expires_at__isnull=False)
            .annotate(paying=_pending_charge())
            .first()
        )
        if lead is not None and lead.status == LeadStatus.ACCEPTED:
            return lead  # connected already (a retry): nothing more to pay
        if request.status == RequestStatus.CANCELLED:
            raise Conflict("request_cancelled", _("This request is cancelled."))
        if lead is not None and lead.status == LeadStatus.FILLED:
            raise Conflict("request_filled", _("Enough pros have already been connected with this job."))
        if lead is None or lead.status not in (LeadStatus.INTERESTED, LeadStatus.LAPSED):
            raise Conflict(
                "pro_not_interested",
                _("This pro has not expressed interest in this request."),
                extra={"status": lead.status} if lead is not None else None,
            )
        if (lead.status == LeadStatus.LAPSED or is_interest_lapsed(lead, now)) and not lead.paying:
            raise Conflict("interest_lapsed", _("This pro's interest has lapsed; it can no longer be connected."))
        if lead.answer_opened_at is None:  # the homeowner read the pro's answer and chose it
            lead.answer_opened_at = now
            lead.save(update_fields=["answer_opened_at"])
    payload = {"message": lead.quote_message, "price": lead.quote_price_min, "actor_id": homeowner.pk}
    try:
        charge, _lead = accept._accept_open(
            lead_id=lead.pk,
            pro_id=lead.pro_id,
            marketplace_id=marketplace.pk,
            marketplace=marketplace,
            actor=homeowner,
            payload=payload,
        )
        if charge is not None:
            accept._accept_pay(charge=charge, actor=homeowner, marketplace=marketplace)
    except PaymentRequired as exc:
        _connect_payment_failed(lead_id=lead.pk, code=exc.code)
        raise Conflict(
            "pro_payment_failed",
            _(
                "This pro's payment did not go through. The pro has been told and can complete the "
                "connection; you may connect with another pro meanwhile."
            ),
            extra={"reason": exc.code},
        ) from None
    return Lead.objects.get(pk=lead.pk)


def _connect_payment_failed(*, lead_id: int, code: str) -> None:
    """The homeowner chose the pro but its payment failed: keep the interest, mark it chosen (the
    pro's own accept now pays and connects) and tell the pro (at most every few minutes)."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().select_related("pro", "request__category").get(pk=lead_id)
        if lead.connect_requested_at is None:
            lead.connect_requested_at = timezone.now()
            lead.save(update_fields=["connect_requested_at"])
        recent = Notification.objects.filter(
            lead=lead,
            kind="lead.connect_payment_failed",
            created_at__gte=timezone.now() - PAYMENT_FAILED_NOTICE_EVERY,
        )
        if recent.exists():
            return
        request = lead.request
        pro_notify(
            pro=lead.pro,
            kind="lead.connect_payment_failed",
            subject=format_lazy(
                _("A homeowner chose you, but your payment failed: {category} in {area}"),
                category=request.category.display_name,
                area=request.area,
            ),
            body=_(
                "Fix your payment (confirm it with your bank, save another card or top up your credit), "
                "then accept the lead again to connect and see the homeowner's contact."
            ),
            payload={
                "lead_id": lead.pk,
                "request_id": request.pk,
                "status": lead.status,
                "reason": code,
                "fee": Money(lead.fee_amount, lead.fee_currency).as_json(),
            },
            lead=lead,
        )


def lead_connected_notify(event: hooks.LeadAnswered) -> None:
    """``leads.hooks.lead_answered`` (in the accept's transaction): when a connection completes
    the pro learns the homeowner's contact, and once the matched capacity is reached the other
    interest on the request closes as ``filled`` (free; it stays a response)."""
    lead, request = event.lead, event.request
    if event.outcome != "accepted" or lead.kind != LeadKind.MATCHED or lead.interest_expires_at is None:
        return
    capacity = marketplace_policy(request.marketplace).matched_capacity
    connected = Lead.objects.filter(request=request, kind=LeadKind.MATCHED, status=LeadStatus.ACCEPTED).count()
    if connected >= capacity:
        others = list(
            Lead.objects.filter(request=request, status=LeadStatus.INTERESTED)
            .exclude(_pending_charge())
            .select_for_update()
            .values_list("pk", flat=True)
        )
        leads_bulk_transition(others, LeadStatus.FILLED, note="capacity reached", now=event.occurred_at)
    pro_notify(
        pro=lead.pro,
        kind="lead.connected",
        subject=format_lazy(
            _("The homeowner connected with you: {category} in {area}"),
            category=request.category.display_name,
            area=request.area,
        ),
        body=format_lazy(
            _("Contact: {name}, {phone}, {email}."),
            name=request.contact_name,
            phone=request.contact_phone or "-",
            email=request.contact_email or "-",
        ),
        payload={
            "lead_id": lead.pk,
            "request_id": request.pk,
            "kind": lead.kind,
            "status": lead.status,
            "fee": Money(lead.fee_amount, lead.fee_currency).as_json(),
            "contact": {"name": request.contact_name, "phone": request.contact_phone, "email": request.contact_email},
        },
        lead=lead,
    )


def interests_lapse_due(*, now: dt.datetime | None = None, batch_size: int | None = None) -> int:
    """Step 4, made durable: interest past ``interest_expires_at`` → ``lapsed`` (free), in locked
    batches; a connect being paid right now is left alone. Closes requests with nothing open."""
    now = now or timezone.now()
    batch_size = batch_size or settings.CELERY_BATCH_SIZE
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Lead.objects.filter(status=LeadStatus.INTERESTED, interest_expires_at__lte=now)
                .exclude(_pending_charge())
                .select_for_update(skip_locked=True)
                .order_by("interest_expires_at", "pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return total
            leads_bulk_transition(ids, LeadStatus.LAPSED, note="interest not taken up in time", now=now)
            request_ids = set(Lead.objects.filter(pk__in=ids).values_list("request_id", flat=True))
            requests_close_if_done(request_ids=request_ids, now=now)
        total += len(ids)


def request_interests(
    *, marketplace: Marketplace, homeowner: User, request_id: int, now: dt.datetime | None = None
) -> QuerySet[Lead]:
    """Read: the pros that expressed interest in the homeowner's request (interested, connected,
    lapsed or closed), with their profile, best rank first. 404 for another homeowner's request."""
    if not QuoteRequest.objects.filter(pk=request_id, marketplace=marketplace, homeowner=homeowner).exists():
        raise NotFound()
    return (
        Lead.objects.filter(marketplace=marketplace, request_id=request_id, interest_expires_at__isnull=False)
        .select_related("pro")
        .annotate(effective_status=effective_status_expression(now or timezone.now()))
        .order_by("rank_position", "pk")
    )
