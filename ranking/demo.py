"""Demo rows for ranking: the marketplace's rank weights, then one rollup so the demo pros
have their response rate, demotion and rank score (and today's snapshot). Idempotent."""

from marketplace.models import Marketplace
from ranking.services import pro_stats_rollup, ranking_policy_ensure


def seed(marketplace: Marketplace) -> None:
    ranking_policy_ensure(marketplace=marketplace)
    # Demo data is not news to anyone: recompute without notifying the demo pros.
    pro_stats_rollup(marketplace=marketplace, notify=False)
