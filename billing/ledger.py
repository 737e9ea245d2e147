"""The one writer of the append-only ledger (a PostgreSQL trigger refuses UPDATE and DELETE).

Every entry is keyed by the money movement it records (``<charge or refund key>:ledger``,
UNIQUE), so recording the same movement twice fails loudly instead of counting it twice.
Callers own the transaction and hold the charge or refund row locked.
"""

from __future__ import annotations

from billing.models import Charge, LedgerEntry, LedgerKind
from billing.models_refunds import Refund
from marketplace.compiled import model_insert


def ledger_key(movement_key: str) -> str:
    return f"{movement_key}:ledger"


def ledger_charge_record(charge: Charge, *, memo: str = "") -> LedgerEntry:
    """A paid charge (zero fees and wallet-paid fees included, so every accept shows in the ledger)."""
    return model_insert(
        LedgerEntry(
            marketplace_id=charge.marketplace_id,
            pro_id=charge.pro_id,
            lead_id=charge.lead_id,
            charge=charge,
            kind=LedgerKind.CHARGE,
            amount=charge.amount,
            currency=charge.currency,
            idempotency_key=ledger_key(charge.idempotency_key),
            memo=(memo or f"Contact fee, lead {charge.lead_id}")[:300],
        )
    )


def ledger_refund_record(refund: Refund) -> LedgerEntry:
    """A refund paid back (ours, after a dispute, or one made at the provider)."""
    return LedgerEntry.objects.create(
        marketplace_id=refund.marketplace_id,
        pro_id=refund.pro_id,
        lead_id=refund.lead_id,
        charge_id=refund.charge_id,
        kind=LedgerKind.REFUND,
        amount=refund.amount,
        currency=refund.currency,
        idempotency_key=ledger_key(refund.idempotency_key),
        memo=refund.reason[:300],
    )
