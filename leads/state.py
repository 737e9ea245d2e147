"""The lead state machine: the one place that says which status changes are legal.

``pending`` → ``accepted`` | ``rejected`` | ``expired`` | ``filled`` | ``withdrawn`` |
``interested``; ``interested`` (pay on mutual interest, Rule 14: the pro answered for free) →
``accepted`` (the homeowner connected and the pro paid) | ``lapsed`` | ``filled`` |
``withdrawn``; every other status is final. A pending lead past its deadline *is* expired,
and an interested lead past ``interest_expires_at`` *is* lapsed, on every read path
(``effective_status``), whether or not the sweeps have made it durable yet.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import Lead, LeadEvent, LeadStatus, QuoteRequest
from marketplace.compiled import model_insert, model_update
from marketplace.errors import Conflict, NotFound
from marketplace.models import User
from pros.models import Pro

TRANSITIONS: dict[str, frozenset[str]] = {
    LeadStatus.PENDING: frozenset(
        {
            LeadStatus.ACCEPTED,
            LeadStatus.REJECTED,
            LeadStatus.EXPIRED,
            LeadStatus.FILLED,
            LeadStatus.WITHDRAWN,
            LeadStatus.INTERESTED,
        }
    ),
    LeadStatus.INTERESTED: frozenset({LeadStatus.ACCEPTED, LeadStatus.LAPSED, LeadStatus.FILLED, LeadStatus.WITHDRAWN}),
    LeadStatus.LAPSED: frozenset(),
    LeadStatus.ACCEPTED: frozenset(),
    LeadStatus.REJECTED: frozenset(),
    LeadStatus.EXPIRED: frozenset(),
    LeadStatus.FILLED: frozenset(),
    LeadStatus.WITHDRAWN: frozenset(),
}


def is_past_deadline(lead: Lead, now: dt.datetime | None = None) -> bool:
    return lead.deadline is not None and lead.deadline <= (now or timezone.now())


def is_interest_lapsed(lead: Lead, now: dt.datetime | None = None) -> bool:
    return (
        lead.status == LeadStatus.INTERESTED
        and lead.interest_expires_at is not None
        and lead.interest_expires_at <= (now or timezone.now())
    )


def effective_status(lead: Lead, now: dt.datetime | None = None) -> str:
    if lead.status == LeadStatus.PENDING and is_past_deadline(lead, now):
        return LeadStatus.EXPIRED
    if is_interest_lapsed(lead, now):
        return LeadStatus.LAPSED
    return lead.status


def open_leads_q(now: dt.datetime) -> Q:
    """Leads that keep their request open: pending in time, or interest the homeowner may
    still take up (Rule 14)."""
    return Q(status=LeadStatus.PENDING) & (Q(deadline__isnull=True) | Q(deadline__gt=now)) | Q(
        status=LeadStatus.INTERESTED, interest_expires_at__gt=now
    )


def effective_status_expression(now: dt.datetime) -> Case:
    """The same rule as ``effective_status``, for annotating querysets."""
    return Case(
        When(Q(status=LeadStatus.PENDING, deadline__isnull=False, deadline__lte=now), then=Value(LeadStatus.EXPIRED)),
        When(
            Q(status=LeadStatus.INTERESTED, interest_expires_at__isnull=False, interest_expires_at__lte=now),
            then=Value(LeadStatus.LAPSED),
        ),
        default=F("status"),
        output_field=CharField(),
    )


def transition_check(lead: Lead, to_status: str, *, now: dt.datetime | None = None) -> None:
    """Raise 409 unless ``lead`` (read under lock) may move to ``to_status`` now."""
    if lead.status == LeadStatus.PENDING and is_past_deadline(lead, now) and to_status != LeadStatus.EXPIRED:
        raise Conflict("lead_expired", _("This lead has passed its deadline."))
    if is_interest_lapsed(lead, now) and to_status != LeadStatus.LAPSED:
        raise Conflict("interest_lapsed", _("The homeowner did not connect in time; this interest has lapsed."))
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
    model_update(lead, ["status", *extra_fields])
    model_insert(
        LeadEvent(
            marketplace_id=lead.marketplace_id,
            lead=lead,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            note=note[:500],
        )
    )
    return lead


def leads_bulk_transition(
    lead_ids: list[int], to_status: str, *, note: str, now: dt.datetime | None = None, actor: User | None = None
) -> int:
    """Set-based move of open leads — pending, or interested (Rule 14) — that the caller holds
    locked, with one event each; leads in any other status are left alone.

    A lead already past its deadline reads as expired, so closing it for another reason
    (filled, withdrawn) records what it already is: ``expired``. Otherwise a late cancel or
    fill would erase a miss from the pro's response rate (Rule 6) whenever the expiry job
    has not yet run. Likewise an interest past its expiry is recorded as ``lapsed``.
    ``actor``: the staff member who closed them (None for the system).
    """
    if to_status not in TRANSITIONS[LeadStatus.PENDING] | TRANSITIONS[LeadStatus.INTERESTED]:
        raise ValueError(f"pending/interested → {to_status} is not a legal transition")
    if not lead_ids:
        return 0
    now = now or timezone.now()
    rows = Lead.objects.filter(pk__in=lead_ids, status__in=[LeadStatus.PENDING, LeadStatus.INTERESTED]).values_list(
        "pk", "marketplace_id", "status", "deadline", "interest_expires_at"
    )
    moves: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for pk, marketplace_id, from_status, deadline, interest_expires_at in rows:
        if to_status not in TRANSITIONS[from_status]:
            continue  # interested → expired / rejected: not a move an interest can make
        status: str
        if from_status == LeadStatus.PENDING and deadline is not None and deadline <= now:
            status = LeadStatus.EXPIRED
        elif from_status == LeadStatus.INTERESTED and interest_expires_at is not None and interest_expires_at <= now:
            status = LeadStatus.LAPSED
        else:
            status = to_status
        moves.setdefault((from_status, status), []).append((pk, marketplace_id))
    for (from_status, moved_to), group in moves.items():
        Lead.objects.filter(pk__in=[pk for pk, _ in group]).update(status=moved_to)
        why = note if moved_to == to_status else _OVERDUE_NOTES[moved_to]
        LeadEvent.objects.bulk_create(
            LeadEvent(
                marketplace_id=mid,
                lead_id=pk,
                from_status=from_status,
                to_status=moved_to,
                note=why,
                actor=actor,
            )
            for pk, mid in group
        )
    return sum(len(group) for group in moves.values())


_OVERDUE_NOTES: dict[str, str] = {
    LeadStatus.EXPIRED: "deadline passed",
    LeadStatus.LAPSED: "interest not taken up in time",
}


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
