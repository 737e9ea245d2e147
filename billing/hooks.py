"""Hooks the billing app declares; ``leads`` plugs into them in ``LeadsConfig.ready``
(mechanism: ``marketplace/hooks.py``)."""

from __future__ import annotations

from marketplace.hooks import provider


@provider
def pending_charge_finish(*, charge_id: int) -> str:
    """Finish one pending charge the way its purpose requires: re-ask the provider with the
    charge's key and, when paid, complete what the charge was for (a lead accept). Returns
    what happened (``done``, ``succeeded``, ``failed``, ``voided``, ``retry``). Billing calls it
    when the provider reports a payment intent settled (``stripe_webhooks``)."""
    raise NotImplementedError
