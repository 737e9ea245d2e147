"""Domain events the leads app publishes; ``ranking`` and ``connections`` subscribe to them in
their ``AppConfig.ready`` (mechanism: ``marketplace/hooks.py``). Receivers run inside the
lead's transaction: what they write rolls back with the lead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from marketplace.hooks import Event

if TYPE_CHECKING:
    from leads.models import Lead, QuoteRequest


@dataclass(frozen=True, slots=True)
class LeadOffered:
    """A lead was created for a pro (any kind; a promotion lead is created accepted)."""

    lead: Lead
    request: QuoteRequest
    occurred_at: dt.datetime


@dataclass(frozen=True, slots=True)
class LeadAnswered:
    """The pro answered a lead: accepted (paid, contact revealed), rejected, or interested (pay
    on mutual interest: a free answer; ``accepted`` follows when the homeowner connects)."""

    lead: Lead
    request: QuoteRequest
    outcome: Literal["accepted", "rejected", "interested"]
    occurred_at: dt.datetime


lead_offered: Event[LeadOffered] = Event("leads.lead_offered")
lead_answered: Event[LeadAnswered] = Event("leads.lead_answered")
