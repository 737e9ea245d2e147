"""A pro's lead as JSON, built by plain functions: the same dict, key for key and in the same
order, as ``LeadOutput(lead).data`` (``leads/api/serializers.py``), which stays the documented
shape (the OpenAPI schema is generated from it).

Why not the serializer: twenty nested ``LeadOutput``s (a ``LeadRequestOutput`` each, method
fields, a field object per value) cost more than the page's one statement. The values are
rendered as DRF's fields render them: datetimes in the current time zone as ISO 8601 with
``Z`` for UTC, dates ISO, answers' values as text, choices as their value, the category's name
in the active language. ``tests/leads/test_lead_json.py`` holds the two equal (JSON bytes) over
every kind and status, both clocks and three languages: change them together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from hours.clock import Schedule
from leads.inbox import LeadRow
from leads.models import Lead, LeadStatus
from leads.selectors import lead_clock, pro_clock_schedule
from marketplace.models import Marketplace
from marketplace.money import Money
from pros.i18n import translated_name

_QUOTED = frozenset({LeadStatus.ACCEPTED, LeadStatus.INTERESTED, LeadStatus.LAPSED})


@dataclass(frozen=True, slots=True)
class LeadJsonContext:
    """What one response's leads share: the time read, the time zone and language rendered in,
    and the pro's working week (None: the calendar clock)."""

    now: dt.datetime
    tz: dt.tzinfo | None
    language: str
    schedule: Schedule | None


def lead_json_context(*, marketplace: Marketplace, pro_id: int, now: dt.datetime | None = None) -> LeadJsonContext:
    """For leads of this pro in this marketplace (its policy loaded, as the request's is)."""
    return LeadJsonContext(
        now=now or timezone.now(),
        # DRF's DateTimeField: the current time zone when USE_TZ, else naive UTC.
        tz=timezone.get_current_timezone() if settings.USE_TZ else None,
        language=translation.get_language() or "",
        schedule=pro_clock_schedule(marketplace=marketplace, pro_id=pro_id),
    )


def _datetime(value: dt.datetime | None, tz: dt.tzinfo | None) -> str | None:
    """``serializers.DateTimeField().to_representation`` (ISO 8601 output)."""
    if not value:
        return None
    if tz is not None:
        value = value.astimezone(tz) if timezone.is_aware(value) else timezone.make_aware(value, tz)
    elif timezone.is_aware(value):
        value = timezone.make_naive(value, dt.UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def lead_row_json(row: LeadRow, context: LeadJsonContext) -> dict[str, Any]:
    """``LeadOutput(lead).data`` of the lead this row was read from."""
    tz = context.tz
    status = row.status  # contact and quote follow the stored status, as LeadOutput's do
    contact = None
    if status == LeadStatus.ACCEPTED and row.contact_revealed_at is not None:
        contact = {"name": row.contact_name, "phone": row.contact_phone, "email": row.contact_email}
    quote = None
    if status in _QUOTED:
        quote = {"message": row.quote_message, "price_min": row.quote_price_min, "price_max": row.quote_price_max}
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.effective_status,
        "fee": Money(row.fee_amount, row.fee_currency).as_json(),
        "deadline": _datetime(row.deadline, tz),
        "clock": lead_clock(lead=row, schedule=context.schedule, now=context.now),
        "offered_count": row.offered_count,
        "accepted_count": row.accepted_count,
        "request": {
            "id": row.request_id,
            "category": {
                "id": row.category_id,
                "slug": row.category_slug,
                "name": translated_name(row.category_name, row.category_translations, context.language),
            },
            "area": row.area,
            "description": row.description,
            "budget_min": row.budget_min,
            "budget_max": row.budget_max,
            "start_date": row.start_date.isoformat() if row.start_date else None,
            # DictField(child=CharField()): every value as text, None kept.
            "answers": {str(k): None if v is None else str(v) for k, v in row.answers.items()},
            "source": row.source,
        },
        "contact": contact,
        "quote": quote,
        "reject_reason": row.reject_reason,
        "created_at": _datetime(row.created_at, tz),
        "responded_at": _datetime(row.responded_at, tz),
        "interest_expires_at": _datetime(row.interest_expires_at, tz),
    }


def lead_json(lead: Lead, *, marketplace: Marketplace, now: dt.datetime | None = None) -> dict[str, Any]:
    """``LeadOutput(lead).data`` of a loaded lead (``LeadRow.of`` says what it must carry)."""
    context = lead_json_context(marketplace=marketplace, pro_id=lead.pro_id, now=now)
    return lead_row_json(LeadRow.of(lead), context)
