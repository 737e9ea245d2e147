"""Accept a lead: validate under row locks, charge the contact fee in phases, reveal the contact.

Phases (Rule 3, Qualities "money" and "concurrency"):

1. One transaction locks the request, the lead and the pro (always in that order), checks
   the lead is pending and in time, the matched capacity (accepted leads *plus* accepts in
   flight, i.e. leads with a pending charge), the weekly spend cap (this ISO week's live
   charges in the marketplace's time zone + fee ≤ cap) and the saved payment method, then
   commits a ``Charge(status=pending, idempotency_key="lead-<id>-accept")``.
2. The gateway is called with that key, outside any transaction.
3. One transaction marks the charge paid, writes the ledger entry, accepts the lead, reveals
   the contact and, when matched capacity is reached, closes the other pending matched
   leads as ``filled``.

A retry or double tap finds the pending charge and resumes phase 2 with the same key (the
provider answers a repeated key with the first outcome), and phase 3 is a no-op for an
already paid charge: one accept is charged once. A crash between phases leaves a pending
charge that ``accept_charges_recover`` (beat, every minute) finishes or voids. A zero fee
skips the gateway: a zero charge and a zero ledger entry are written in phase 1, so every
accept is visible in the ledger.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING, Any, TypedDict, cast

import structlog
from django.db import transaction
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from billing import services as billing
from billing.gateways import AuthenticationRequired, PaymentDeclined, ProviderUnavailable, gateway_get
from billing.models import Charge, ChargeStatus
from billing.recovery import stale_pending_process
from leads import hooks
from leads.models import Lead, LeadKind, LeadStatus, QuoteRequest
from leads.services import interest
from leads.services.lifecycle import request_close_if_done
from leads.state import lead_transition, leads_bulk_transition, transition_check
from marketplace.compiled import CompiledSelect
from marketplace.errors import Conflict, NotFound, PaymentRequired, Unavailable
from marketplace.models import Marketplace, User
from marketplace.selectors import marketplace_policy
from pros.models import Pro

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

logger = structlog.get_logger(__name__)

PROVIDER_RETRY_AFTER_SECONDS = 30
# How long a lead stays held for a pro whose bank asked for authentication (then released).
AUTHENTICATION_WINDOW = dt.timedelta(minutes=30)


def lead_accept(
    *,
    lead_id: int,
    pro: Pro | None = None,
    actor: User | None = None,
    message: str = "",
    price: int | None = None,
    pro_id: int | None = None,
    marketplace: Marketplace | None = None,
) -> Lead | None:
    """Accept the pro's lead; see the module docstring. 404 when it is not the pro's lead.

    The pro is ``pro``, or ``pro_id`` with its ``marketplace`` (the API passes the request's,
    resolved with its policy, so neither the pro nor the marketplace is read again). Returns
    the accepted lead as its transaction left it — its request (with the category) attached,
    ``effective_status``, ``offered_count`` and ``accepted_count`` as of the accept — so a
    response needs no re-read; None when a concurrent path (a double tap, the recovery job)
    completed it: read it then. Raises PaymentRequired, Conflict or Unavailable otherwise."""
    if pro is not None:
        if marketplace is not None and marketplace.pk != pro.marketplace_id:
            raise NotFound()
        pro_id, marketplace_id = pro.pk, pro.marketplace_id
    elif pro_id is not None and marketplace is not None:
        marketplace_id = marketplace.pk
    else:
        raise TypeError("lead_accept needs the pro, or pro_id with the marketplace")
    if interest.interest_applies(lead_id=lead_id, pro_id=pro_id, marketplace=marketplace or pro.marketplace):  # type: ignore[union-attr]
        # Pay on mutual interest (Rule 14): a matched lead's accept is free interest instead
        # (None: the caller reads the lead, as after a concurrent completion).
        interest.lead_express_interest(
            lead_id=lead_id, pro=pro or Pro.objects.get(pk=pro_id), actor=actor, message=message, price=price
        )
        return None
    payload = {"message": message, "price": price, "actor_id": getattr(actor, "pk", None)}
    charge, lead = _accept_open(
        lead_id=lead_id,
        pro_id=pro_id,
        marketplace_id=marketplace_id,
        marketplace=marketplace,
        actor=actor,
        payload=payload,
    )
    if charge is None:
        return lead
    return _accept_pay(charge=charge, actor=actor, marketplace=marketplace)


class _LockedLeadFigures(TypedDict):
    """What the lead's locking statement reads along (``_lock_request_and_lead``); the
    ``opening`` ones only in phase 1. ``effective_status`` is set for the response."""

    offered_count: int
    accepted_count: int
    matched_accepted: int
    pending_charge_id: int | None
    failed_charges: int
    matched_taken: int
    effective_status: str


if TYPE_CHECKING:
    LockedLead = WithAnnotations[Lead, _LockedLeadFigures]


class _Count(Subquery):
    """``(SELECT COUNT(*) …)`` of a queryset correlated with the outer row (0 when none)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def _locked_request_query(*, by_pro: bool, by_marketplace: bool, joins_policy: bool) -> CompiledSelect[QuoteRequest]:
    """The request's locking statement for one shape of the call (compiled once, see below)."""

    def build(lead_id: int, pro_id: int = 0, marketplace_id: int = 0) -> QuerySet[QuoteRequest]:
        lead_ref = Lead.objects.filter(pk=lead_id)
        if by_pro:
            lead_ref = lead_ref.filter(pro_id=pro_id)
        if by_marketplace:
            lead_ref = lead_ref.filter(marketplace_id=marketplace_id)
        requests = (
            QuoteRequest.objects.select_for_update(of=("self",))
            .select_related("category")
            .filter(pk=Subquery(lead_ref.values("request_id")[:1]))
            .order_by("pk")[:1]
        )
        return requests.select_related("marketplace__policy") if joins_policy else requests

    params: dict[str, type] = {"lead_id": int}
    if by_pro:
        params["pro_id"] = int
    if by_marketplace:
        params["marketplace_id"] = int
    return CompiledSelect(build, **params)


def _locked_lead_query(*, opening: bool) -> CompiledSelect[Lead]:
    """The lead's locking statement, with the figures it reads along (compiled once)."""

    def build(lead_id: int) -> QuerySet[Lead]:
        offers = Lead.objects.filter(request_id=OuterRef("request_id"))
        counts: dict[str, Any] = {
            "offered_count": _Count(offers.values("pk")),
            "accepted_count": _Count(offers.filter(status=LeadStatus.ACCEPTED).values("pk")),
            "matched_accepted": _Count(offers.filter(kind=LeadKind.MATCHED, status=LeadStatus.ACCEPTED).values("pk")),
        }
        if opening:
            charges = Charge.objects.filter(lead_id=OuterRef("pk"))
            paying = Exists(Charge.objects.filter(lead_id=OuterRef("pk"), status=ChargeStatus.PENDING))
            counts |= {
                "pending_charge_id": Subquery(charges.filter(status=ChargeStatus.PENDING).values("pk")[:1]),
                "failed_charges": _Count(charges.filter(status__in=billing.FINISHED_UNPAID).values("pk")),
                # Matched leads accepted or with an accept in flight (a pending charge).
                "matched_taken": _Count(
                    offers.filter(kind=LeadKind.MATCHED).filter(Q(status=LeadStatus.ACCEPTED) | paying).values("pk")
                ),
            }
        return Lead.objects.select_for_update(of=("self",)).annotate(**counts).filter(pk=lead_id)

    return CompiledSelect(build, lead_id=int)


# Every shape the accept locks with, compiled on first use: the ORM builds and compiles each
# statement once per process instead of on every accept (most of the accept's Python time).
_LOCKED_REQUEST = {
    (by_pro, by_marketplace, joins_policy): _locked_request_query(
        by_pro=by_pro, by_marketplace=by_marketplace, joins_policy=joins_policy
    )
    for by_pro in (False, True)
    for by_marketplace in (False, True)
    for joins_policy in (False, True)
}
_LOCKED_LEAD = {opening: _locked_lead_query(opening=opening) for opening in (False, True)}
_LOCKED_CHARGE = CompiledSelect(
    lambda charge_id: Charge.objects.select_for_update().filter(pk=charge_id), charge_id=int
)


def _lock_request_and_lead(
    *,
    lead_id: int,
    pro_id: int | None = None,
    marketplace_id: int | None = None,
    marketplace: Marketplace | None = None,
    opening: bool = False,
) -> tuple[QuoteRequest, LockedLead]:
    """``leads.state.lock_request_and_lead`` for the accept, in two statements. Lock order as
    everywhere: request, then lead (then pro, then charge).

    The request is locked by the lead's id (the look-up of its request is a sub-select of the
    locking statement), with its category for the response; its marketplace and policy are
    joined only when the caller has not resolved them (``marketplace``). The lead's locking
    statement starts after the request's lock is held, and every accept, fill or close of the
    request's leads holds that lock, so what it reads along — the offer counts, the matched
    leads taken and, when ``opening``, the lead's pending charge and its failed attempts — is
    what the transaction decides on, exactly as separate reads after the locks were."""
    values = {"lead_id": lead_id}
    if pro_id is not None:
        values["pro_id"] = pro_id
    if marketplace_id is not None:
        values["marketplace_id"] = marketplace_id
    locked = _LOCKED_REQUEST[(pro_id is not None, marketplace_id is not None, marketplace is None)]
    request = locked.first(**values)
    if request is None:
        raise NotFound()
    if marketplace is not None:
        if request.marketplace_id != marketplace.pk:
            raise NotFound()
        request.marketplace = marketplace
    lead = cast("LockedLead | None", _LOCKED_LEAD[opening].first(lead_id=lead_id))
    if lead is None:  # the request's lock is held: its lead cannot have gone meanwhile
        raise Lead.DoesNotExist(f"lead {lead_id} vanished under its request's lock")
    lead.request = request
    return request, lead


def _accept_open(
    *,
    lead_id: int,
    pro_id: int,
    marketplace_id: int,
    actor: User | None,
    payload: dict[str, Any],
    marketplace: Marketplace | None = None,
) -> tuple[Charge | None, LockedLead]:
    """Phase 1. Returns (the pending charge to pay, the locked lead), or (None, the lead) when
    it was paid and accepted in this transaction."""
    now = timezone.now()
    with transaction.atomic():
        request, lead = _lock_request_and_lead(
            lead_id=lead_id, pro_id=pro_id, marketplace_id=marketplace_id, marketplace=marketplace, opening=True
        )
        if lead.pending_charge_id is not None:
            # A retry or double tap of an accept in progress: resume it.
            return Charge.objects.get(pk=lead.pending_charge_id), lead
        transition_check(lead, LeadStatus.ACCEPTED, now=now)
        policy = marketplace_policy(request.marketplace)
        if lead.kind == LeadKind.MATCHED and lead.matched_taken >= policy.matched_capacity:
            raise Conflict("request_filled", _("Enough pros have already accepted this job."))
        locked_pro = billing.pro_lock_for_fee(pro_id=pro_id)  # with its card and the payment mode
        billing.spend_cap_check(marketplace=request.marketplace, pro=locked_pro, amount=lead.fee_amount, now=now)
        charge = billing.lead_fee_open(
            lead=lead,
            pro=locked_pro,
            amount=lead.fee_amount,
            currency=lead.fee_currency,
            idempotency_key=billing.charge_next_key(lead_id=lead.pk, failed=lead.failed_charges),
            accept_payload=payload,
        )
        if charge.status == ChargeStatus.SUCCEEDED:
            # Paid in this transaction (a zero fee, or prepaid credits): accept now, no provider call.
            _accept_finish(request=request, lead=lead, payload=payload, actor=actor, started_at=now)
            return None, lead
        return charge, lead


def _settle_if_pending(charge_id: int, settle) -> None:
    """Settle a charge under its row lock, unless another path (a retry, recovery) got there first."""
    with transaction.atomic():
        locked = Charge.objects.select_for_update().get(pk=charge_id)
        if locked.status == ChargeStatus.PENDING:
            settle(charge=locked)


def _accept_pay(*, charge: Charge, actor: User | None = None, marketplace: Marketplace | None = None) -> Lead | None:
    """Phases 2 and 3 for a committed pending charge; raises 402 / 503 for the API. Returns
    what ``accept_complete`` returns."""
    try:
        result = billing.charge_gateway_call(charge=charge, marketplace=marketplace)
    except AuthenticationRequired as exc:
        # The lead stays pending and held for this pro (its pending charge counts as an accept
        # in flight); the app authenticates with the client secret and retries the accept, or
        # the provider's event / the recovery job completes it.
        _settle_if_pending(
            charge.pk, partial(billing.charge_await_action, reference=exc.reference, client_secret=exc.client_secret)
        )
        raise PaymentRequired(
            "authentication_required",
            _("Your bank asks you to authenticate this payment; confirm it in the app, then accept again."),
            extra={"client_secret": exc.client_secret, "payment_intent": exc.reference},
        ) from None
    except PaymentDeclined as exc:
        _settle_if_pending(charge.pk, partial(billing.charge_fail, code=exc.code, message=exc.message))
        raise PaymentRequired(
            "payment_declined",
            format_lazy(_("The payment was declined: {reason}"), reason=exc.message),
            extra={"decline_code": exc.code},
        ) from None
    except ProviderUnavailable:
        raise Unavailable(
            "payment_provider_unavailable",
            _("The payment provider is unavailable; retry shortly."),
            retry_after=PROVIDER_RETRY_AFTER_SECONDS,
        ) from None
    return accept_complete(
        charge_id=charge.pk, reference=result.reference, actor=actor, lead_id=charge.lead_id, marketplace=marketplace
    )


def accept_complete(
    *,
    charge_id: int,
    reference: str,
    actor: User | None = None,
    lead_id: int | None = None,
    marketplace: Marketplace | None = None,
) -> Lead | None:
    """Phase 3: charge paid + ledger entry + lead accepted and contact revealed. Idempotent.

    ``lead_id`` and ``marketplace``: the charge's, when the caller knows them (the accept
    request does; recovery and provider events do not: the lead is read from the charge).
    Returns the accepted lead as ``lead_accept`` does; None when the charge was no longer
    pending (completed by a concurrent tap or the recovery job)."""
    now = timezone.now()
    if lead_id is None:
        lead_id = Charge.objects.filter(pk=charge_id).values_list("lead_id", flat=True).get()
    with transaction.atomic():
        request, lead = _lock_request_and_lead(lead_id=lead_id, marketplace=marketplace)
        charge = _LOCKED_CHARGE.first(charge_id=charge_id)
        if charge is None:
            raise Charge.DoesNotExist(f"charge {charge_id}")
        if charge.status != ChargeStatus.PENDING:
            return None  # already completed by a concurrent tap or the recovery job
        billing.charge_succeed(charge=charge, reference=reference)
        if lead.status == LeadStatus.ACCEPTED:  # a promotion lead: accepted at creation
            lead.contact_revealed_at = now
            lead.save(update_fields=["contact_revealed_at"])
            lead.effective_status = lead.status
            return lead
        actor_id = None if actor is not None else charge.accept_payload.get("actor_id")
        _accept_finish(
            request=request,
            lead=lead,
            payload=charge.accept_payload,
            actor=actor,
            actor_id=actor_id,
            started_at=charge.created_at,
        )
        return lead


def _accept_finish(
    *,
    request: QuoteRequest,
    lead: LockedLead,
    payload: dict[str, Any],
    actor: User | None,
    started_at: dt.datetime,
    actor_id: int | None = None,
) -> None:
    """Accept the lead locked by ``_lock_request_and_lead``. The deadline is judged when the
    accept started (phase 1): a pro who was in time and has paid is never turned away by a
    slow gateway. Brings the lead's counts up to date with its own accept (for the response)."""
    now = timezone.now()
    # A connect after interest (Rule 14) keeps the interest's quote and response time.
    lead.quote_message = payload.get("message") or lead.quote_message
    price = payload.get("price")
    if price is not None:
        lead.quote_price_min = lead.quote_price_max = price
    lead.responded_at = lead.responded_at or now
    lead.contact_revealed_at = now
    if actor is None and actor_id is not None:
        actor = User.objects.filter(pk=actor_id).first()
    lead_transition(
        lead,
        LeadStatus.ACCEPTED,
        actor=actor,
        now=started_at,
        note="accepted",
        extra_fields=("quote_message", "quote_price_min", "quote_price_max", "responded_at", "contact_revealed_at"),
    )
    lead.effective_status = lead.status
    lead.accepted_count += 1  # counted under the request's lock, before this accept
    if lead.kind == LeadKind.MATCHED:
        capacity = marketplace_policy(request.marketplace).matched_capacity
        lead.matched_accepted += 1
        if lead.matched_accepted >= capacity:
            others = list(
                Lead.objects.filter(request=request, kind=LeadKind.MATCHED, status=LeadStatus.PENDING)
                .exclude(charges__status=ChargeStatus.PENDING)
                .values_list("pk", flat=True)
            )
            leads_bulk_transition(others, LeadStatus.FILLED, note="capacity reached", now=now)
    request_close_if_done(request=request, now=now)
    hooks.lead_answered.send(hooks.LeadAnswered(lead=lead, request=request, outcome="accepted", occurred_at=now))


def accept_charge_process(*, charge_id: int) -> str:
    """Finish one pending charge by re-calling the gateway with its key (recovery / auto-quote).

    Returns what happened: ``done`` (nothing pending), ``succeeded``, ``failed``, ``voided``
    or ``retry`` (provider unavailable: the next run tries again with the same key).
    """
    charge = Charge.objects.filter(pk=charge_id, status=ChargeStatus.PENDING).select_related("lead").first()
    if charge is None:
        return "done"
    if charge.lead.status not in (LeadStatus.PENDING, LeadStatus.INTERESTED, LeadStatus.ACCEPTED):
        # The lead closed meanwhile (staff action): charge only if the provider already did.
        if charge.gateway_reference:  # waiting for an authentication that no longer matters
            found = billing.charge_cancel_unauthenticated(charge=charge, reference=charge.gateway_reference)
        else:
            found = gateway_get(charge.gateway).find(idempotency_key=charge.idempotency_key)
        if found is None:
            reason = f"lead {charge.lead.status} before payment"
            _settle_if_pending(charge.pk, partial(billing.charge_void, reason=reason))
            return "voided"
        _settle_if_pending(charge.pk, partial(billing.charge_succeed, reference=found.reference))
        return "succeeded"
    try:
        result = billing.charge_gateway_call(charge=charge)
    except AuthenticationRequired as exc:
        if timezone.now() - charge.created_at < AUTHENTICATION_WINDOW:
            _settle_if_pending(
                charge.pk,
                partial(billing.charge_await_action, reference=exc.reference, client_secret=exc.client_secret),
            )
            return "requires_action"
        # Never authenticated: release the lead, and cancel so a late authentication takes nothing.
        paid = billing.charge_cancel_unauthenticated(charge=charge, reference=exc.reference)
        if paid is not None:
            accept_complete(charge_id=charge.pk, reference=paid.reference)
            return "succeeded"
        _settle_if_pending(charge.pk, partial(billing.charge_fail, code="authentication_required", message=exc.message))
        return "failed"
    except PaymentDeclined as exc:
        _settle_if_pending(charge.pk, partial(billing.charge_fail, code=exc.code, message=exc.message))
        return "failed"
    except ProviderUnavailable:
        logger.info("charge_recovery_provider_unavailable", charge_id=charge.pk)
        return "retry"
    accept_complete(charge_id=charge.pk, reference=result.reference)
    return "succeeded"


def accept_charges_recover(*, older_than: dt.timedelta = dt.timedelta(minutes=1), limit: int = 500) -> dict:
    """Finish or void pending charges older than ``older_than`` (crashed between phases)."""
    return stale_pending_process(
        pending=Charge.objects.filter(status=ChargeStatus.PENDING),
        process=lambda charge_id: accept_charge_process(charge_id=charge_id),
        older_than=older_than,
        limit=limit,
    )


def accept_charge_process_on_commit(*, charge_id: int) -> None:
    from leads import tasks  # the tasks module imports this one

    transaction.on_commit(lambda: tasks.accept_charge_process_task.delay(charge_id), robust=True)
