"""Periodic work of the pros app. Idempotent and set-based: an extra or a late run is harmless."""

from __future__ import annotations

from celery import shared_task

from pros.models import Pro
from pros.services import star_scores_recompute, star_scores_recompute_all


@shared_task(name="pros.tasks.star_scores_recompute_nightly", ignore_result=True)
def star_scores_recompute_nightly() -> int:
    """Re-apply the recency decay to every reviewed pro's Star Score (Rule 9), in batches."""
    return star_scores_recompute_all()


@shared_task(name="pros.tasks.pro_star_score_recompute", ignore_result=True)
def pro_star_score_recompute(pro_id: int) -> None:
    """Recompute one pro's Star Score (e.g. after staff remove a review in admin)."""
    if not Pro.objects.filter(pk=pro_id).exists():
        return
    star_scores_recompute(pro_ids=[pro_id])
