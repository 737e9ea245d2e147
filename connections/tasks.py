"""Periodic connection jobs: rollups keep yesterday and today fresh (a week, nightly); pruning
drops old raw events.

Both are idempotent and set-based per marketplace, so an extra, late or concurrent run is harmless.
"""

from celery import shared_task

from connections.services import connection_events_prune, connection_rollup_recent
from marketplace.models import Marketplace


@shared_task(name="connections.tasks.connections_rollup")
def connections_rollup() -> int:
    written = 0
    for marketplace in Marketplace.objects.filter(is_active=True).select_related("policy"):
        written += connection_rollup_recent(marketplace=marketplace)
    return written


CATCH_UP_DAYS = 7


@shared_task(name="connections.tasks.connections_prune")
def connections_prune() -> int:
    """Nightly: re-roll the last week (a missed run of the frequent job is made good here),
    then prune raw events past retention."""
    deleted = 0
    for marketplace in Marketplace.objects.select_related("policy"):
        connection_rollup_recent(marketplace=marketplace, days=CATCH_UP_DAYS)
        deleted += connection_events_prune(marketplace=marketplace)
    return deleted
