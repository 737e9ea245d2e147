"""The pro's ledger as CSV rows: every charge, refund and credit, as its accountant needs them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from billing.models import LedgerEntry, LedgerKind
from marketplace.localtime import local_isoformat
from marketplace.money import major_units
from pros.models import Pro

STATEMENT_HEADER = [
    "entry_id",
    "booked_at",
    "kind",
    "lead_id",
    "lead_kind",
    "category",
    "amount",
    "amount_minor_units",
    "signed_amount",
    "currency",
    "memo",
]

# From the pro's side: a charge is money out, a refund or credit money back.
_SIGN: dict[str, int] = {LedgerKind.CHARGE: -1, LedgerKind.REFUND: 1, LedgerKind.CREDIT: 1}


def statement_rows(*, pro: Pro, since: dt.datetime, until: dt.datetime) -> Iterator[list[object]]:
    """One row per ledger entry booked in [since, until), oldest first (one query)."""
    marketplace = pro.marketplace
    entries = (
        LedgerEntry.objects.filter(marketplace=marketplace, pro=pro, created_at__gte=since, created_at__lt=until)
        .select_related("lead", "lead__request__category")
        .order_by("created_at", "pk")
    )
    for entry in entries:
        yield [
            entry.pk,
            local_isoformat(entry.created_at, marketplace=marketplace),
            entry.kind,
            entry.lead_id,
            entry.lead.kind,
            entry.lead.request.category.slug,
            major_units(entry.amount, entry.currency),
            entry.amount,
            major_units(_SIGN[entry.kind] * entry.amount, entry.currency),
            entry.currency,
            entry.memo,
        ]
