"""Ranking jobs: the hourly rollup (one task per marketplace), the dirty-pro pass and the
single-pro refresh.

Every task takes ids, reloads, and returns quietly when the row is gone or inactive; the
rollup is idempotent and locked per marketplace, so a duplicate or late run is harmless.
"""

from __future__ import annotations

import structlog
from celery import shared_task
from django.db import OperationalError

from marketplace.models import Marketplace
from ranking import dirty, services

logger = structlog.get_logger(__name__)


@shared_task(name="ranking.tasks.pro_stats_rollup_all", ignore_result=True)
def pro_stats_rollup_all() -> int:
    """Beat entry: queue one rollup per active marketplace (they run in parallel on workers)."""
    ids = list(Marketplace.objects.filter(is_active=True).values_list("pk", flat=True))
    for marketplace_id in ids:
        marketplace_stats_rollup_task.delay(marketplace_id)
    return len(ids)


@shared_task(
    name="ranking.tasks.marketplace_stats_rollup",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    max_retries=3,
)
def marketplace_stats_rollup_task(marketplace_id: int) -> None:
    marketplace = Marketplace.objects.filter(pk=marketplace_id, is_active=True).first()
    if marketplace is None:
        return
    services.pro_stats_rollup(marketplace=marketplace)


@shared_task(
    name="ranking.tasks.pro_stats_refresh",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=3,
)
def pro_stats_refresh_task(pro_id: int) -> None:
    services.pro_stats_refresh(pro_id=pro_id)


@shared_task(name="ranking.tasks.dirty_pros_refresh", ignore_result=True)
def dirty_pros_refresh_task() -> int:
    """Beat entry (every 20 s): recompute the pros whose leads were answered (``ranking/dirty.py``).
    No retry: the marks it could not finish are put back for the next run."""
    return dirty.dirty_pros_refresh()
