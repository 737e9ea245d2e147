"""The leads app's own subscribers to its events (``leads/hooks.py``): business metrics."""

from __future__ import annotations

from leads.hooks import LeadAnswered, LeadOffered
from marketplace import metrics


def lead_offered_count(event: LeadOffered) -> None:
    metrics.inc_on_commit(metrics.LEADS_OFFERED, kind=str(event.lead.kind))


def lead_answered_count(event: LeadAnswered) -> None:
    metrics.inc_on_commit(metrics.LEAD_ANSWERS, outcome=event.outcome)
