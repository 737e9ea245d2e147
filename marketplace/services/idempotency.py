"""Housekeeping of the idempotency records the API layer keeps (``marketplace/api/idempotency.py``)."""

import datetime as dt

from marketplace.models import IdempotencyRecord


def idempotency_records_prune(*, older_than: dt.datetime) -> int:
    """Delete records created before ``older_than``; returns how many."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=older_than).delete()
    return deleted
