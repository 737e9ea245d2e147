"""Finishing money operations a crash or an outage left half-done."""

import datetime as dt
from collections import Counter
from collections.abc import Callable

from django.db.models import QuerySet
from django.utils import timezone


def stale_pending_process(
    *, pending: QuerySet, process: Callable[[int], str], older_than: dt.timedelta, limit: int
) -> dict[str, int]:
    """Run ``process(pk)`` for the oldest pending rows created before ``now - older_than``
    (each re-calls the provider with the row's own idempotency key); tally the outcomes."""
    cutoff = timezone.now() - older_than
    ids = list(pending.filter(created_at__lt=cutoff).order_by("created_at").values_list("pk", flat=True)[:limit])
    return dict(Counter(process(pk) for pk in ids))
