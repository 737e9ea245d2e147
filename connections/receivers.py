"""What connections does when the lead flow publishes an event (``leads/hooks.py``);
connected in ``ConnectionsConfig.ready``. Runs inside the lead's transaction, so a lead that
rolls back leaves no connection event."""

from __future__ import annotations

from connections.models import ConnectionKind
from connections.services import connection_record
from leads.hooks import LeadAnswered, LeadOffered
from leads.models import LeadKind

CONNECTION_KIND_OF_LEAD = {
    LeadKind.NEW: ConnectionKind.PROFILE_LEAD,
    LeadKind.MATCHED: ConnectionKind.MATCHED_LEAD,
    LeadKind.PROMOTION: ConnectionKind.PROMOTION_LEAD,
}


def lead_offered_record(event: LeadOffered) -> None:
    """Every lead offered is a connection of its kind (Rule 10)."""
    connection_record(
        marketplace=event.request.marketplace,
        pro=event.lead.pro,
        kind=CONNECTION_KIND_OF_LEAD[LeadKind(event.lead.kind)],
        lead=event.lead,
        occurred_at=event.occurred_at,
        source=event.request.source,
    )


def lead_answered_record(event: LeadAnswered) -> None:
    """A rejected lead is still an exposure of the pro (Rule 4)."""
    if event.outcome != "rejected":
        return
    connection_record(
        marketplace=event.request.marketplace,
        pro=event.lead.pro,
        kind=ConnectionKind.EXPOSURE,
        lead=event.lead,
        occurred_at=event.occurred_at,
        source=event.request.source,
    )
