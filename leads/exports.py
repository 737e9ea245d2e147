"""The pro's leads as CSV rows: what it was offered, what it paid, whom it won."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from leads.models import Lead, LeadStatus
from leads.selectors import lead_queryset_for_pro
from marketplace.localtime import local_isoformat
from marketplace.money import major_units
from pros.models import Pro

LEAD_EXPORT_HEADER = [
    "lead_id",
    "received_at",
    "kind",
    "status",
    "category",
    "area",
    "description",
    "fee",
    "fee_minor_units",
    "currency",
    "deadline",
    "answered_at",
    "quote_price_min",
    "quote_price_max",
    "quote_message",
    "hired",
    "contact_name",
    "contact_phone",
    "contact_email",
]


def _price(amount: int | None, currency: str) -> str:
    return "" if amount is None else major_units(amount, currency)


def lead_export_rows(
    *, pro: Pro, since: dt.datetime, until: dt.datetime, status: str | None = None, kind: str | None = None
) -> Iterator[list[object]]:
    """One row per lead received in [since, until), oldest first. ``status`` is the status as
    read now (an overdue pending lead is expired); the contact only once accepted and paid."""
    marketplace = pro.marketplace
    leads = lead_queryset_for_pro(Lead.objects.filter(marketplace=marketplace), pro=pro).filter(
        created_at__gte=since, created_at__lt=until
    )
    if status:
        leads = leads.filter(effective_status=status)
    if kind:
        leads = leads.filter(kind=kind)
    for lead in leads.order_by("created_at", "pk"):
        request = lead.request
        revealed = lead.status == LeadStatus.ACCEPTED and lead.contact_revealed_at is not None
        yield [
            lead.pk,
            local_isoformat(lead.created_at, marketplace=marketplace),
            lead.kind,
            lead.effective_status,
            request.category.slug,
            request.area,
            request.description,
            major_units(lead.fee_amount, lead.fee_currency),
            lead.fee_amount,
            lead.fee_currency,
            local_isoformat(lead.deadline, marketplace=marketplace),
            local_isoformat(lead.responded_at, marketplace=marketplace),
            _price(lead.quote_price_min, lead.fee_currency),
            _price(lead.quote_price_max, lead.fee_currency),
            lead.quote_message,
            "yes" if request.hired_pro_id == pro.pk else "no",
            request.contact_name if revealed else "",
            request.contact_phone if revealed else "",
            request.contact_email if revealed else "",
        ]
