"""Quote requests: create one and route it to pros (Rules 1 and 2 of DESIGN.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import services as billing
from billing.models import Charge, ChargeStatus
from hours.clock import Schedule
from hours.selectors import lead_deadline, pro_on_vacation, schedules_for
from leads import hooks
from leads.models import Lead, LeadEvent, LeadKind, LeadStatus, QuoteRequest, RequestSource, RequestStatus
from leads.notifications import lead_announcement, pro_notify
from leads.services.accept import accept_charge_process_on_commit
from leads.services.matching import MatchingFees, matching_candidates
from marketplace.errors import Conflict, DomainError, Invalid
from marketplace.models import Marketplace, User
from marketplace.money import Money
from marketplace.postal import InvalidPostalCode, area_code_for
from marketplace.selectors import marketplace_policy
from pros.matching import JobSpec, perfect_match
from pros.models import Category, Pro, ProArea, Service
from pros.questions import answers_clean
from pros.selectors import contact_fee


@dataclass(frozen=True)
class RequestInput:
    category: Category
    postal_code: str
    description: str
    contact_name: str
    contact_phone: str = ""
    contact_email: str = ""
    budget_min: int | None = None
    budget_max: int | None = None
    start_date: dt.date | None = None
    answers: dict | None = None
    pro: Pro | None = None


def marketplace_today(marketplace: Marketplace, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(marketplace.time_zone)).date()


def _job(request: QuoteRequest) -> JobSpec:
    return JobSpec(
        category_id=request.category_id,
        area=request.area,
        budget_min=request.budget_min,
        budget_max=request.budget_max,
        start_date=request.start_date,
        answers={str(k): str(v) for k, v in (request.answers or {}).items()},
    )


def quote_request_create(*, marketplace: Marketplace, homeowner: User, data: RequestInput) -> QuoteRequest:
    """Create a request and its leads in one transaction; notices go out after it commits.

    409 ``duplicate_request`` (with the existing id) when the same homeowner asked for the
    same job (category, area, target) within ``policy.duplicate_window_hours``.
    """
    policy = marketplace_policy(marketplace)
    try:
        area = area_code_for(marketplace.postal_scheme, data.postal_code)
    except InvalidPostalCode as exc:
        raise Invalid("invalid_postal_code", str(exc), fields={"postal_code": [str(exc)]}) from None
    if data.category.marketplace_id != marketplace.pk:
        raise Invalid("unknown_category", _("No such category."), fields={"category": [_("Unknown category.")]})
    answers = answers_clean(category=data.category, answers=data.answers)
    now = timezone.now()
    with transaction.atomic():
        # One homeowner's requests serialise on its row, so a double submit cannot slip
        # past the duplicate check.
        User.objects.select_for_update().filter(pk=homeowner.pk).first()
        duplicate = (
            QuoteRequest.objects.filter(
                marketplace=marketplace,
                homeowner=homeowner,
                category=data.category,
                area=area,
                target_pro=data.pro,
                created_at__gte=now - dt.timedelta(hours=policy.duplicate_window_hours),
            )
            .exclude(status=RequestStatus.CANCELLED)
            .order_by("-created_at")
            .first()
        )
        if duplicate is not None:
            raise Conflict(
                "duplicate_request",
                _("You already asked for this job recently; here is that request."),
                extra={"request_id": duplicate.pk},
            )
        # No double charge for one job: pros that already paid for this homeowner's same job
        # (category, area, target) within the window — before it was cancelled and posted
        # again — get this request's lead with no fee.
        paid_for = _pros_paid_for_job(
            marketplace=marketplace,
            homeowner=homeowner,
            category=data.category,
            area=area,
            target_pro=data.pro,
            since=now - dt.timedelta(hours=policy.duplicate_window_hours),
        )
        service = _profile_target_check(marketplace=marketplace, data=data, area=area) if data.pro else None
        request = QuoteRequest.objects.create(
            marketplace=marketplace,
            homeowner=homeowner,
            category=data.category,
            source=RequestSource.PROFILE if data.pro else RequestSource.PLATFORM,
            target_pro=data.pro,
            postal_code=data.postal_code.strip().upper(),
            area=area,
            description=data.description,
            budget_min=data.budget_min,
            budget_max=data.budget_max,
            start_date=data.start_date,
            answers=answers,
            contact_name=data.contact_name,
            contact_phone=data.contact_phone,
            contact_email=data.contact_email,
        )
        if service is not None:
            leads = [_route_profile(request=request, service=service, now=now, paid_for=paid_for)]
        else:
            leads = _route_platform(request=request, now=now, paid_for=paid_for)
        if not leads:
            request.status = RequestStatus.CLOSED
            request.save(update_fields=["status"])
        for lead in leads:
            _lead_announce(lead)
    return request


def _pros_paid_for_job(
    *,
    marketplace: Marketplace,
    homeowner: User,
    category: Category,
    area: str,
    target_pro: Pro | None,
    since: dt.datetime,
) -> frozenset[int]:
    """Pros with a live (pending or paid) non-zero charge for a lead of this homeowner's same
    job — the duplicate rule's category, area and target — created since ``since``."""
    return frozenset(
        Charge.objects.filter(
            marketplace=marketplace,
            status__in=(ChargeStatus.PENDING, ChargeStatus.SUCCEEDED),
            amount__gt=0,
            lead__request__homeowner=homeowner,
            lead__request__category=category,
            lead__request__area=area,
            lead__request__target_pro=target_pro,
            lead__request__created_at__gte=since,
        ).values_list("pro_id", flat=True)
    )


NO_FEE_NOTE = "no contact fee: this pro already paid for the same job"


def _profile_target_check(*, marketplace: Marketplace, data: RequestInput, area: str) -> Service:
    pro = data.pro
    if pro is None or pro.marketplace_id != marketplace.pk or pro.suspended:
        raise Invalid("unknown_pro", _("No such pro."), fields={"pro": [_("Unknown pro.")]})
    if pro.paused:
        raise Invalid(
            "pro_paused", _("This pro is not taking requests now."), fields={"pro": [_("This pro is paused.")]}
        )
    if marketplace_policy(marketplace).business_hours_enabled and pro_on_vacation(
        marketplace=marketplace, pro=pro, day=marketplace_today(marketplace, timezone.now())
    ):
        raise Invalid(
            "pro_on_vacation", _("This pro is on vacation."), fields={"pro": [_("This pro is on vacation today.")]}
        )
    service = Service.objects.filter(marketplace=marketplace, pro=pro, category=data.category, is_active=True).first()
    if service is None:
        raise Invalid(
            "pro_not_serving_category",
            _("This pro does not offer this category."),
            fields={"category": [_("Not offered by this pro.")]},
        )
    if not ProArea.objects.filter(marketplace=marketplace, pro=pro, area=area).exists():
        raise Invalid(
            "pro_not_serving_area",
            _("This pro does not serve this area."),
            fields={"postal_code": [_("Outside this pro's service areas.")]},
        )
    return service


def _route_profile(
    *, request: QuoteRequest, service: Service, now: dt.datetime, paid_for: frozenset[int] = frozenset()
) -> Lead:
    """Rule 1: a promotion lead with the auto-quote on a perfect match, else a new lead."""
    marketplace = request.marketplace
    pro = service.pro
    free = pro.pk in paid_for
    if marketplace_policy(marketplace).promotion_service_enabled and service.promotion_enabled:
        fee = 0 if free else contact_fee(marketplace=marketplace, category=request.category, kind=LeadKind.PROMOTION)
        match = perfect_match(
            service, _job(request), pro_areas=[request.area], today=marketplace_today(marketplace, now)
        )
        if match and _can_auto_charge(marketplace=marketplace, pro=pro, fee=fee, now=now):
            return _promotion_lead(request=request, service=service, fee=fee, now=now, free=free)
    fee = 0 if free else contact_fee(marketplace=marketplace, category=request.category, kind=LeadKind.NEW)
    return _lead_create(
        request=request,
        pro=pro,
        kind=LeadKind.NEW,
        fee=fee,
        deadline=lead_deadline(
            marketplace=marketplace,
            schedule=_schedules(marketplace, [pro.pk], now).get(pro.pk),
            now=now,
            ttl_hours=marketplace_policy(marketplace).new_lead_ttl_hours,
        ),
        note=NO_FEE_NOTE if free else "",
    )


def _schedules(marketplace: Marketplace, pro_ids: list[int], now: dt.datetime) -> dict[int, Schedule]:
    """The pros' working weeks, loaded in two queries — only with the business-hours clock on."""
    if not marketplace_policy(marketplace).business_hours_enabled or not pro_ids:
        return {}
    return schedules_for(marketplace=marketplace, pro_ids=pro_ids, since=marketplace_today(marketplace, now))


def _can_auto_charge(*, marketplace: Marketplace, pro: Pro, fee: int, now: dt.datetime) -> bool:
    """An auto-quote is charged at once: the pro needs a saved card or the credit (fee > 0) and room."""
    if fee == 0:
        return True
    if not billing.lead_fee_payable(pro=pro, amount=fee):
        return False
    locked = Pro.objects.select_for_update().get(pk=pro.pk)
    try:
        billing.spend_cap_check(marketplace=marketplace, pro=locked, amount=fee, now=now)
    except DomainError:
        return False
    return True


def _route_platform(*, request: QuoteRequest, now: dt.datetime, paid_for: frozenset[int] = frozenset()) -> list[Lead]:
    """Rule 2: promotion leads for perfect promotion matches, matched leads to the best members."""
    marketplace = request.marketplace
    policy = marketplace_policy(marketplace)
    fees = MatchingFees(
        matched=contact_fee(marketplace=marketplace, category=request.category, kind=LeadKind.MATCHED),
        promotion=contact_fee(marketplace=marketplace, category=request.category, kind=LeadKind.PROMOTION),
    )
    candidates = matching_candidates(
        marketplace=marketplace, category=request.category, area=request.area, fees=fees, now=now
    )
    job = _job(request)
    today = marketplace_today(marketplace, now)
    perfect = {
        c.service_id
        for c in candidates
        if c.promotion_candidate and perfect_match(c, job, pro_areas=[request.area], today=today)
    }
    in_fanout = [c for c in candidates if c.matched_candidate and c.member_rank <= policy.matched_fanout]
    # The candidate rows are lean; only the services (and pros) that may get a lead are loaded.
    services = Service.objects.select_related("pro").in_bulk(perfect | {c.service_id for c in in_fanout})
    schedules = _schedules(marketplace, [c.pro_id for c in candidates if c.matched_candidate], now)
    leads = []
    position = 0
    for candidate in candidates:
        service = services.get(candidate.service_id)
        if service is None:
            continue
        free = candidate.pro_id in paid_for
        promotion_fee, matched_fee = (0, 0) if free else (fees.promotion, fees.matched)
        # An auto-quote is charged now: re-check its pro's room under that pro's row lock.
        promoted = candidate.service_id in perfect and _can_auto_charge(
            marketplace=marketplace, pro=service.pro, fee=promotion_fee, now=now
        )
        if promoted:
            leads.append(_promotion_lead(request=request, service=service, fee=promotion_fee, now=now, free=free))
        elif candidate.matched_candidate and candidate.member_rank <= policy.matched_fanout:
            position += 1
            leads.append(
                _lead_create(
                    request=request,
                    pro=service.pro,
                    kind=LeadKind.MATCHED,
                    fee=matched_fee,
                    deadline=lead_deadline(
                        marketplace=marketplace,
                        schedule=schedules.get(candidate.pro_id),
                        now=now,
                        ttl_hours=policy.matched_lead_ttl_hours,
                    ),
                    rank_position=position,
                    note=NO_FEE_NOTE if free else "",
                )
            )
    return leads


def _lead_create(
    *,
    request: QuoteRequest,
    pro: Pro,
    kind: str,
    fee: int,
    deadline: dt.datetime | None,
    status: str = LeadStatus.PENDING,
    rank_position: int | None = None,
    note: str = "",
    **fields,
) -> Lead:
    lead = Lead.objects.create(
        marketplace_id=request.marketplace_id,
        request=request,
        pro=pro,
        kind=kind,
        status=status,
        deadline=deadline,
        fee_amount=fee,
        fee_currency=request.marketplace.currency,
        rank_position=rank_position,
        **fields,
    )
    LeadEvent.objects.create(
        marketplace_id=lead.marketplace_id,
        lead=lead,
        from_status="",
        to_status=status,
        note=f"offered as a {kind} lead" + (f"; {note}" if note else ""),
    )
    hooks.lead_offered.send(hooks.LeadOffered(lead=lead, request=request, occurred_at=lead.created_at))
    return lead


def _promotion_lead(*, request: QuoteRequest, service: Service, fee: int, now: dt.datetime, free: bool = False) -> Lead:
    """The auto-quote, accepted by the system at once and charged as on accept.

    A zero fee is recorded and the contact revealed in this transaction; otherwise a pending
    charge is committed with the lead and a task runs the gateway phase after commit (the
    recovery job finishes it should that task never run).
    """
    lead = _lead_create(
        request=request,
        pro=service.pro,
        kind=LeadKind.PROMOTION,
        fee=fee,
        deadline=None,
        status=LeadStatus.ACCEPTED,
        quote_message=service.auto_quote_message,
        quote_price_min=service.auto_quote_price_min,
        quote_price_max=service.auto_quote_price_max,
        responded_at=now,
        note=NO_FEE_NOTE if free else "",
    )
    charge = billing.lead_fee_open(
        lead=lead,
        pro=service.pro,
        amount=fee,
        currency=lead.fee_currency,
        idempotency_key=billing.accept_charge_key(lead_id=lead.pk),
    )
    if charge.status == ChargeStatus.SUCCEEDED:  # a zero fee, or paid from prepaid credits
        lead.contact_revealed_at = now
        lead.save(update_fields=["contact_revealed_at"])
    else:
        accept_charge_process_on_commit(charge_id=charge.pk)
    return lead


def _lead_announce(lead: Lead) -> None:
    request = lead.request
    subject, body = lead_announcement(lead)
    pro_notify(
        pro=lead.pro,
        kind=f"lead.{lead.kind}",
        subject=subject,
        lead=lead,
        body=body,
        payload={
            "lead_id": lead.pk,
            "request_id": request.pk,
            "kind": lead.kind,
            "status": lead.status,
            "category": request.category.slug,
            "area": request.area,
            "deadline": lead.deadline.isoformat() if lead.deadline else None,
            "fee": Money(lead.fee_amount, lead.fee_currency).as_json(),
        },
    )
