"""The lead state machine: the one place that says which status changes are legal.

``pending`` → ``accepted`` | ``rejected`` | ``expired`` | ``filled`` | ``withdrawn``; every
other status is final. A pending lead past its deadline *is* expired on every read path
(``effective_status``), whether or not the sweep has made it durable yet.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import Lead, LeadEvent, LeadStatus, QuoteRequest
from marketplace.errors import Conflict, NotFound
from marketplace.models import User
from pros.models import Pro

TRANSITIONS: dict[str, frozenset[str]] = {
    LeadStatus.PENDING: frozenset(
        {LeadStatus.ACCEPTED, LeadStatus.REJECTED, LeadStatus.EXPIRED, LeadStatus.FILLED, LeadStatus.WITHDRAWN}
    ),
    LeadStatus.ACCEPTED: frozenset(),
    LeadStatus.REJECTED: frozenset(),
    LeadStatus.EXPIRED: frozenset(),
    LeadStatus.FILLED: frozenset(),
    LeadStatus.WITHDRAWN: frozenset(),
}


def is_past_deadline(lead: Lead, now: dt.datetime | None = None) -> bool:
    return lead.deadline is not None and lead.deadline <= (now or timezone.now())


def effective_status(lead: Lead, now: dt.datetime | None = None) -> str:
    if lead.status == LeadStatus.PENDING and is_past_deadline(lead, now):
        return LeadStatus.EXPIRED
    return lead.status


def effective_status_expression(now: dt.datetime) -> Case:
    """The same rule as ``effective_status``, for annotating querysets."""
    return Case(
        When(Q(status=LeadStatus.PENDING, deadline__isnull=False, deadline__lte=now), then=Value(LeadStatus.EXPIRED)),
        default=F("status"),
        output_field=CharField(),
    )


def transition_check(lead: Lead, to_status: str, *, now: dt.datetime | None = None) -> None:
    """Raise 409 unless ``lead`` (read under lock) may move to ``to_status`` now."""
    if lead.status == LeadStatus.PENDING and is_past_deadline(lead, now) and to_status != LeadStatus.EXPIRED:
        raise Conflict("lead_expired", _("This lead has passed its deadline."))
    if to_status not in TRANSITIONS[lead.status]:
        raise Conflict(
            "lead_not_pending",
            f"This lead is {lead.status}; it can no longer be changed.",
            extra={"status": lead.status},
        )


def lead_transition(
    lead: Lead,
    to_status: str,
    *,
    actor: User | None = None,
    note: str = "",
    now: dt.datetime | None = None,
    extra_fields: tuple[str, ...] = (),
) -> Lead:
    """Move one locked lead to ``to_status`` (checked), save it and record the event."""
    transition_check(lead, to_status, now=now)
    from_status = lead.status
    lead.status = to_status
    lead.save(update_fields=["status", *extra_fields])
    LeadEvent.objects.create(
        marketplace_id=lead.marketplace_id,
        lead=lead,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        note=note[:500],
    )
    return lead


def leads_bulk_transition(
    lead_ids: list[int], to_status: str, *, note: str, now: dt.datetime | None = None, actor: User | None = None
) -> int:
    """Set-based move of pending leads (caller holds them locked) with one event each.

    A lead already past its deadline reads as expired, so closing it for another reason
    (filled, withdrawn) records what it already is: ``expired``. Otherwise a late cancel or
    fill would erase a miss from the pro's response rate (Rule 6) whenever the expiry job
    has not yet run. ``actor``: the staff member who closed them (None for the system).
    """
    if to_status not in TRANSITIONS[LeadStatus.PENDING]:
        raise ValueError(f"pending → {to_status} is not a legal transition")
    if not lead_ids:
        return 0
    now = now or timezone.now()
    rows = Lead.objects.filter(pk__in=lead_ids, status=LeadStatus.PENDING).values_list(
        "pk", "marketplace_id", "deadline"
    )
    moves: dict[str, list[tuple[int, int]]] = {to_status: [], LeadStatus.EXPIRED: []}
    for pk, marketplace_id, deadline in rows:
        overdue = deadline is not None and deadline <= now
        moves[LeadStatus.EXPIRED if overdue else to_status].append((pk, marketplace_id))
    for status, group in moves.items():
        if not group:
            continue
        Lead.objects.filter(pk__in=[pk for pk, _ in group]).update(status=status)
        why = note if status == to_status else "deadline passed"
        LeadEvent.objects.bulk_create(
            LeadEvent(
                marketplace_id=mid,
                lead_id=pk,
                from_status=LeadStatus.PENDING,
                to_status=status,
                note=why,
                actor=actor,
            )
            for pk, mid in group
        )
    return sum(len(group) for group in moves.values())


def lock_request_and_lead(*, lead_id: int, pro: Pro | None) -> tuple[QuoteRequest, Lead]:
    """Lock order everywhere: request, then lead (then pro, then charge)."""
    lookup = Lead.objects.filter(pk=lead_id)
    if pro is not None:
        lookup = lookup.filter(pro=pro, marketplace_id=pro.marketplace_id)
    request_id = lookup.values_list("request_id", flat=True).first()
    if request_id is None:
        raise NotFound()
    request = (
        QuoteRequest.objects.select_for_update(of=("self",)).select_related("marketplace__policy").get(pk=request_id)
    )
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    return request, lead
