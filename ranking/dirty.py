"""Coalesced ranking refresh: an answer marks its pro dirty; one scheduled pass recomputes them.

An accept or reject moves the pro's response rate (Rule 6). Rather than publish a refresh
task per answer, the ``leads.hooks.lead_answered`` receiver writes one ``DirtyPro`` row (an
``INSERT … ON CONFLICT DO NOTHING``) in the answer's own transaction: the mark commits with
the answer or rolls back with it, and ten answers of one pro are one row.

``dirty_pros_refresh`` (beat, every 20 seconds) takes up to a batch of marks in one short
transaction (``DELETE … RETURNING``, ``SKIP LOCKED`` so overlapping runs split the work) and
recomputes those pros with the rollup's own SQL, per marketplace: one pro at a time, or the
whole marketplace in one set-based pass when many of its pros are dirty. A mark written
while its pro is being recomputed stays for the next run. A pass that fails puts the marks
it had not finished back; one that dies between taking and finishing loses them, and the
hourly full rollup (``pro_stats_rollup_all``) recomputes those pros anyway.

So a pro sees its new rate within a run or two (well under a minute), and ``/pro/stats/``,
which computes from the leads, is right in between.
"""

from __future__ import annotations

from collections import defaultdict

import structlog
from django.conf import settings
from django.db import connection, transaction

from leads.hooks import LeadAnswered
from marketplace.models import Marketplace
from ranking.models import DirtyPro
from ranking.services import pro_stats_rollup

logger = structlog.get_logger(__name__)

# From this many dirty pros of one marketplace in a run, one marketplace-wide rollup (set-based,
# the same statements as for one pro) is cheaper than recomputing them one by one.
FULL_ROLLUP_AT = 200

_TAKE = """
    DELETE FROM ranking_dirtypro WHERE pro_id IN (
        SELECT pro_id FROM ranking_dirtypro ORDER BY marked_at LIMIT %s FOR UPDATE SKIP LOCKED
    ) RETURNING pro_id, marketplace_id
"""


def pros_dirty_mark(*, marketplace_id: int, pro_ids: list[int]) -> None:
    """Mark pros for the next pass, in the caller's transaction (one statement)."""
    DirtyPro.objects.bulk_create(
        [DirtyPro(marketplace_id=marketplace_id, pro_id=pro_id) for pro_id in pro_ids], ignore_conflicts=True
    )


def lead_answered_mark(event: LeadAnswered) -> None:
    """``leads.hooks.lead_answered``: the answer moves the pro's response rate; mark it."""
    pros_dirty_mark(marketplace_id=event.lead.marketplace_id, pro_ids=[event.lead.pro_id])


def _dirty_take(limit: int) -> list[tuple[int, int]]:
    """Remove up to ``limit`` marks, oldest first, and return them as (pro id, marketplace id)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(_TAKE, [limit])
                return [(int(pro_id), int(marketplace_id)) for pro_id, marketplace_id in cursor.fetchall()]
        rows = list(DirtyPro.objects.order_by("marked_at").values_list("pro_id", "marketplace_id")[:limit])
        DirtyPro.objects.filter(pro_id__in=[pro_id for pro_id, _ in rows]).delete()
        return rows


def dirty_pros_refresh(*, limit: int | None = None) -> int:
    """The scheduled pass: recompute the pros marked dirty (up to ``limit``, default the batch
    size). Returns how many pros were taken. Inactive marketplaces' marks are dropped (their
    rollup does not run either)."""
    taken = _dirty_take(limit or settings.CELERY_BATCH_SIZE)
    by_marketplace: dict[int, list[int]] = defaultdict(list)
    for pro_id, marketplace_id in taken:
        by_marketplace[marketplace_id].append(pro_id)
    marketplaces = Marketplace.objects.filter(pk__in=list(by_marketplace), is_active=True).in_bulk()
    groups = [(marketplaces[mid], pro_ids) for mid, pro_ids in by_marketplace.items() if mid in marketplaces]
    for index, (marketplace, pro_ids) in enumerate(groups):
        left = list(pro_ids)
        try:
            if len(left) >= FULL_ROLLUP_AT:
                pro_stats_rollup(marketplace=marketplace)
                left = []
            while left:
                pro_stats_rollup(marketplace=marketplace, pro_id=left[0])
                left.pop(0)
        except Exception:
            # Put back what this run has not finished: the next run (or the hourly rollup) does it.
            with transaction.atomic():
                pros_dirty_mark(marketplace_id=marketplace.pk, pro_ids=left)
                for later, later_ids in groups[index + 1 :]:
                    pros_dirty_mark(marketplace_id=later.pk, pro_ids=later_ids)
            logger.warning("ranking.dirty_pros.failed", marketplace=marketplace.slug, put_back=len(left))
            raise
    if taken:
        logger.info("ranking.dirty_pros.refreshed", pros=len(taken), marketplaces=len(groups))
    return len(taken)
