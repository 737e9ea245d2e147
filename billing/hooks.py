"""Hooks the billing app declares; ``leads`` plugs into them in ``LeadsConfig.ready``
(mechanism: ``marketplace/hooks.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django_stubs_ext import StrOrPromise

from marketplace.hooks import Event, provider

if TYPE_CHECKING:
    from billing.models import LeadCredit


@provider
def pending_charge_finish(*, charge_id: int) -> str:
    """Finish one pending charge the way its purpose requires: re-ask the provider with the
    charge's key and, when paid, complete what the charge was for (a lead accept). Returns
    what happened (``done``, ``succeeded``, ``failed``, ``voided``, ``retry``). Billing calls it
    when the provider reports a payment intent settled (``stripe_webhooks``)."""
    raise NotImplementedError


@dataclass(frozen=True, slots=True)
class LeadCredited:
    """A lead's fee is coming back to the pro (wallet credit, or a refund to the card)."""

    credit: LeadCredit


lead_credited: Event[LeadCredited] = Event("billing.lead_credited")


@dataclass(frozen=True, slots=True)
class AutoTopUpAttention:
    """An automatic top-up could not go through by itself: the bank asked for the pro's
    authentication (``requires_action``; ``client_secret`` lets the app authenticate) or the
    payment failed. Automatic top-ups stop until the pro saves its consent again."""

    pro_id: int
    top_up_id: int
    status: str
    amount: int
    currency: str
    reason: StrOrPromise  # lazy: rendered in the pro's language


auto_top_up_attention: Event[AutoTopUpAttention] = Event("billing.auto_top_up_attention")
