"""Writes of the lead lifecycle, one module per concern (routing, accept, the rest)."""

from leads.services.accept import accept_charges_recover, accept_complete, lead_accept
from leads.services.lifecycle import (
    lead_reject,
    leads_expire_due,
    leads_staff_expire,
    leads_staff_withdraw,
    quote_request_cancel,
    quote_request_hire,
    request_answers_opened,
)
from leads.services.routing import RequestInput, quote_request_create

__all__ = [
    "RequestInput",
    "accept_charges_recover",
    "accept_complete",
    "lead_accept",
    "lead_reject",
    "leads_expire_due",
    "leads_staff_expire",
    "leads_staff_withdraw",
    "quote_request_cancel",
    "quote_request_hire",
    "quote_request_create",
    "request_answers_opened",
]
