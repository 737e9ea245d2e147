"""The pro's ledger as CSV rows: every charge, refund and credit, and the prepaid credits
bought, as its accountant needs them. In prepaid mode a lead's fee is a ``charge`` row (paid
from the wallet) and a ``top_up`` row is the card payment that bought the credits."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator

from billing.models import LedgerEntry, LedgerKind, WalletEntry, WalletEntryKind
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
    """One row per ledger entry booked in [since, until) — fees, refunds and credits, whether
    paid by card or from prepaid credits — plus the prepaid credits bought (``top_up`` rows,
    entry ids prefixed ``W``), oldest first (two queries)."""
    fees = _ledger_rows(pro=pro, since=since, until=until)
    top_ups = _top_up_rows(pro=pro, since=since, until=until)
    yield from (row for _, row in heapq.merge(fees, top_ups, key=lambda item: item[0]))


def _top_up_rows(*, pro: Pro, since: dt.datetime, until: dt.datetime) -> Iterator[tuple[tuple, list[object]]]:
    marketplace = pro.marketplace
    entries = WalletEntry.objects.filter(
        marketplace=marketplace,
        pro=pro,
        kind__in=[WalletEntryKind.TOP_UP, WalletEntryKind.PAYOUT],
        created_at__gte=since,
        created_at__lt=until,
    ).order_by("created_at", "pk")
    for entry in entries:
        yield (
            (entry.created_at, 1, entry.pk),
            [
                f"W{entry.pk}",
                local_isoformat(entry.created_at, marketplace=marketplace),
                entry.kind,
                "",
                "",
                "",
                major_units(abs(entry.amount), entry.currency),
                abs(entry.amount),
                major_units(entry.amount, entry.currency),
                entry.currency,
                f"{entry.memo} (prepaid credits bought: adds to the credit balance)",
            ],
        )


def _ledger_rows(*, pro: Pro, since: dt.datetime, until: dt.datetime) -> Iterator[tuple[tuple, list[object]]]:
    marketplace = pro.marketplace
    entries = (
        LedgerEntry.objects.filter(marketplace=marketplace, pro=pro, created_at__gte=since, created_at__lt=until)
        .select_related("lead", "lead__request__category")
        .order_by("created_at", "pk")
    )
    for entry in entries:
        yield (
            (entry.created_at, 0, entry.pk),
            [
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
            ],
        )
