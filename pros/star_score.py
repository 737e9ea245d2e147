"""Star Score (Rule 9): 0-100 from reviews' ratings, recency and volume, with a prior.

Each review's weight decays with its age: ``w = 0.5 ** (age_days / HALF_LIFE_DAYS)``, so a
review counts fully today, half after a year, a quarter after two. The weighted mean rating is
pulled towards a prior of ``PRIOR_RATING`` stars worth ``PRIOR_WEIGHT`` fresh reviews (a
Bayesian average), so few reviews cannot reach the top and volume matters::

    mean  = (PRIOR_WEIGHT * PRIOR_RATING + Σ w·rating) / (PRIOR_WEIGHT + Σ w)
    score = round(100 * (mean - 1) / 4)          # 1 star → 0, 5 stars → 100

A pro without reviews scores 0 (nothing to show). One fresh 5-star review scores 69; five
fresh 5-star reviews are needed to reach the default threshold of 80; a long run of
5-star reviews approaches 100 without the prior ever letting one review reach it.
The score is pure arithmetic on (rating, created_at) pairs so it is computed the same way on
each new review and by the nightly job, which re-applies the decay.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

HALF_LIFE_DAYS = 365
PRIOR_RATING = 3.5
PRIOR_WEIGHT = 5.0


def review_weight(*, created_at: datetime.datetime, now: datetime.datetime) -> float:
    age_days = max((now - created_at).total_seconds(), 0.0) / 86400
    return 0.5 ** (age_days / HALF_LIFE_DAYS)


def star_score(reviews: Iterable[tuple[int, datetime.datetime]], *, now: datetime.datetime) -> int:
    """The Star Score of a pro from its reviews as ``(rating, created_at)`` pairs."""
    total_weight = 0.0
    weighted_sum = 0.0
    count = 0
    for rating, created_at in reviews:
        weight = review_weight(created_at=created_at, now=now)
        total_weight += weight
        weighted_sum += weight * rating
        count += 1
    if count == 0:
        return 0
    mean = (PRIOR_WEIGHT * PRIOR_RATING + weighted_sum) / (PRIOR_WEIGHT + total_weight)
    score = Decimal(100 * (mean - 1) / 4).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(0, min(100, int(score)))
