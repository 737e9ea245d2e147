"""Finishing money operations a crash or an outage left half-done."""

import datetime as dt
from collections import Counter
from collections.abc import Callable

import structlog
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from billing.gateways import ProviderUnavailable

logger = structlog.get_logger(__name__)


def stale_pending_process(
    *, pending: QuerySet, process: Callable[[int], str], older_than: dt.timedelta, limit: int
) -> dict[str, int]:
    """Run ``process(pk)`` for the oldest pending rows created before ``now - older_than``
    (each re-calls the provider with the row's own idempotency key); tally the outcomes.

    Each row stands alone: a provider outage (``ProviderUnavailable``, e.g. from a lookup)
    counts as ``retry``, any other exception is logged with the row's id and counts as
    ``error``. Either way the row stays pending for the next run and the sweep goes on, so
    one bad row never holds back the rows behind it.
    """
    cutoff = timezone.now() - older_than
    ids = list(pending.filter(created_at__lt=cutoff).order_by("created_at").values_list("pk", flat=True)[:limit])
    model = pending.model._meta.label
    outcomes: Counter[str] = Counter()
    for pk in ids:
        try:
            outcomes[process(pk)] += 1
        except ProviderUnavailable as exc:
            logger.info("stale_pending_provider_unavailable", model=model, pk=pk, error=str(exc))
            outcomes["retry"] += 1
        except Exception:
            logger.exception("stale_pending_process_failed", model=model, pk=pk)
            outcomes["error"] += 1
            if not connection.in_atomic_block:
                # A dropped connection would fail every later row too: reconnect for the next.
                connection.close_if_unusable_or_obsolete()
    return dict(outcomes)
