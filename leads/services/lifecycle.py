"""Reject, expiry, cancel, hire and the staff actions: every other move of the lead lifecycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import Charge, ChargeStatus
from leads import hooks
from leads.models import Lead, LeadStatus, QuoteRequest, RequestStatus
from leads.state import lead_transition, leads_bulk_transition, lock_request_and_lead, open_leads_q
from marketplace.compiled import CompiledUpdate
from marketplace.errors import Conflict, Invalid, NotFound
from marketplace.models import Marketplace, User
from pros.models import Pro


def _in_flight() -> Exists:
    """An accept whose charge is committed but not completed: leave such a lead alone."""
    return Exists(Charge.objects.filter(lead_id=OuterRef("pk"), status=ChargeStatus.PENDING))


def requests_close_if_done(*, request_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Open requests with no lead still pending in time (nor interest the homeowner may still
    take up) → closed (set-based)."""
    now = now or timezone.now()
    still_open = Lead.objects.filter(open_leads_q(now), request_id=OuterRef("pk"))
    return (
        QuoteRequest.objects.filter(pk__in=list(request_ids), status=RequestStatus.OPEN)
        .exclude(Exists(still_open))
        .update(status=RequestStatus.CLOSED)
    )


def request_answers_opened(*, request_id: int, now: dt.datetime | None = None) -> int:
    """The homeowner read the request with its answers: each accepted lead's answer counts as
    opened from now (the first read only). Returns how many answers were opened just now."""
    return Lead.objects.filter(request_id=request_id, status=LeadStatus.ACCEPTED, answer_opened_at__isnull=True).update(
        answer_opened_at=now or timezone.now()
    )


def _request_still_done(request_id: int, now: dt.datetime) -> QuerySet[QuoteRequest]:
    still_open = Lead.objects.filter(open_leads_q(now), request_id=OuterRef("pk"))
    return QuoteRequest.objects.filter(pk=request_id, status=RequestStatus.OPEN).exclude(Exists(still_open))


# ``requests_close_if_done`` for one request, compiled once: every answer to a lead runs it.
_REQUEST_CLOSE_IF_DONE = CompiledUpdate(
    _request_still_done, {"status": RequestStatus.CLOSED}, request_id=int, now=dt.datetime
)


def request_close_if_done(*, request: QuoteRequest, now: dt.datetime | None = None) -> None:
    if _REQUEST_CLOSE_IF_DONE.run(request_id=request.pk, now=now or timezone.now()):
        request.status = RequestStatus.CLOSED


def lead_reject(*, lead_id: int, pro: Pro, actor: User | None = None, reason: str = "") -> Lead:
    """Rule 4: free; records the reason and a free exposure connection for the pro."""
    now = timezone.now()
    with transaction.atomic():
        request, lead = lock_request_and_lead(lead_id=lead_id, pro=pro)
        if Charge.objects.filter(lead=lead, status=ChargeStatus.PENDING).exists():
            raise Conflict(
                "accept_in_progress", _("An accept of this lead is being paid; it can no longer be rejected.")
            )
        lead.reject_reason = reason[:500]
        lead.responded_at = now
        lead_transition(
            lead, LeadStatus.REJECTED, actor=actor, now=now, note=reason, extra_fields=("reject_reason", "responded_at")
        )
        request_close_if_done(request=request, now=now)
        hooks.lead_answered.send(hooks.LeadAnswered(lead=lead, request=request, outcome="rejected", occurred_at=now))
    return lead


def leads_expire_due(*, now: dt.datetime | None = None, batch_size: int | None = None) -> int:
    """Rule 5, made durable: pending leads past their deadline → expired, in locked batches
    (``skip_locked``: a lead being accepted right now is left for the next run)."""
    now = now or timezone.now()
    batch_size = batch_size or settings.CELERY_BATCH_SIZE
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Lead.objects.filter(status=LeadStatus.PENDING, deadline__lte=now)
                .exclude(_in_flight())
                .select_for_update(skip_locked=True)
                .order_by("deadline", "pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return total
            leads_bulk_transition(ids, LeadStatus.EXPIRED, note="deadline passed")
            request_ids = set(Lead.objects.filter(pk__in=ids).values_list("request_id", flat=True))
            requests_close_if_done(request_ids=request_ids, now=now)
        total += len(ids)


def _withdraw_pending(*, request: QuoteRequest, note: str) -> int:
    """Pending leads, and interest not yet connected (Rule 14), → withdrawn."""
    ids = list(
        Lead.objects.filter(request=request, status__in=[LeadStatus.PENDING, LeadStatus.INTERESTED])
        .exclude(_in_flight())
        .select_for_update()
        .values_list("pk", flat=True)
    )
    return leads_bulk_transition(ids, LeadStatus.WITHDRAWN, note=note)


def _homeowner_request(*, marketplace: Marketplace, homeowner: User, request_id: int) -> QuoteRequest:
    request = (
        QuoteRequest.objects.select_for_update()
        .filter(pk=request_id, marketplace=marketplace, homeowner=homeowner)
        .first()
    )
    if request is None:
        raise NotFound()
    return request


def quote_request_cancel(*, marketplace: Marketplace, homeowner: User, request_id: int) -> QuoteRequest:
    """The homeowner withdraws the request: pending leads → withdrawn, nobody else pays."""
    with transaction.atomic():
        request = _homeowner_request(marketplace=marketplace, homeowner=homeowner, request_id=request_id)
        if request.status == RequestStatus.CANCELLED:
            raise Conflict("request_cancelled", _("This request is already cancelled."))
        _withdraw_pending(request=request, note="request cancelled by the homeowner")
        request.status = RequestStatus.CANCELLED
        request.save(update_fields=["status"])
    return request


def quote_request_hire(*, marketplace: Marketplace, homeowner: User, request_id: int, pro_id: int) -> QuoteRequest:
    """The homeowner marks whom it hired: a pro that answered this request (accepted or auto-quoted)."""
    with transaction.atomic():
        request = _homeowner_request(marketplace=marketplace, homeowner=homeowner, request_id=request_id)
        if request.status == RequestStatus.CANCELLED:
            raise Conflict("request_cancelled", _("This request is cancelled."))
        connected = Lead.objects.filter(request=request, pro_id=pro_id, status=LeadStatus.ACCEPTED).exists()
        if not connected:
            raise Invalid(
                "pro_not_connected",
                _("You can only hire a pro that answered this request."),
                fields={"pro": [_("This pro has not answered this request.")]},
            )
        request.hired_pro_id = pro_id
        request.status = RequestStatus.CLOSED
        request.save(update_fields=["hired_pro", "status"])
        _withdraw_pending(request=request, note="the homeowner hired another pro")
    return request


def _staff_close(*, lead_ids: list[int], status: str, note: str, actor=None) -> int:
    """Close pending leads for staff (leads being paid for are left alone).

    Locks in the accept's order, requests then leads, so the two never deadlock and an
    accept cannot commit its pending charge between our check and our update: with the
    request locked, the in-flight check below sees every charge there will be.
    """
    with transaction.atomic():
        request_ids = set(Lead.objects.filter(pk__in=lead_ids).values_list("request_id", flat=True))
        list(QuoteRequest.objects.filter(pk__in=request_ids).select_for_update().order_by("pk").values_list("pk"))
        ids = list(
            Lead.objects.filter(pk__in=lead_ids, status=LeadStatus.PENDING)
            .exclude(_in_flight())
            .select_for_update()
            .values_list("pk", flat=True)
        )
        count = leads_bulk_transition(ids, status, note=note, actor=actor)
        requests_close_if_done(request_ids=request_ids)
    return count


def leads_staff_expire(*, lead_ids: list[int], actor=None) -> int:
    """Admin action: expire pending leads now (the events name ``actor``)."""
    return _staff_close(lead_ids=lead_ids, status=LeadStatus.EXPIRED, note="expired by staff", actor=actor)


def leads_staff_withdraw(*, lead_ids: list[int], actor=None) -> int:
    """Admin action: withdraw pending leads (the events name ``actor``)."""
    return _staff_close(lead_ids=lead_ids, status=LeadStatus.WITHDRAWN, note="withdrawn by staff", actor=actor)
