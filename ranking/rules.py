"""Rules 6 and 7 in one place: the SQL the rollup runs and its Python counterpart, side by side.

Rule 6 (response rate), per pro, over its ``new``/``matched`` leads received in the window:

- responded: ``accepted`` or ``rejected``; a ``filled``/``withdrawn`` lead the pro had answered
  before it closed (``responded_at`` set) also counts;
- missed: ``expired``, or ``pending`` with its deadline passed;
- due = responded + missed; no rate below the minimum sample; demoted when switched on, at
  least the minimum sample, and responded/due < threshold (compared exactly in integers).

The rollup (``ranking/services.py``) runs ``stats_sql`` and ``calc_sql`` for every pro at once;
the stats page (``ranking/selectors.py``) classifies one pro's leads with ``responded_q`` /
``missed_q`` and decides with ``is_below_threshold`` / ``is_at_risk`` — the same conditions,
written twice only because one runs in the database and one in Python, and kept in step by
``tests/ranking/test_rule6_properties.py`` (both against an independent oracle).

Rule 7 (rank score): ``calc_sql``'s weighted factors, and ``rank_breakdown`` factor by factor.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Q

from leads.models import LeadStatus
from marketplace.models import MarketplacePolicy, MembershipTier
from pros.models import Pro
from ranking.models import RankingPolicy

# --- Rule 6 in SQL (the rollup) -----------------------------------------------------------------


def epoch_seconds_sql(start: str, end: str) -> str:
    """SQL for ``end - start`` in seconds, on the current database."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS double precision)"
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def stats_sql(*, single_pro: bool) -> str:
    """The GROUP BY over the window's leads: counts, median response time, last response."""
    pro_filter = "AND l.pro_id = %(pro_id)s" if single_pro else ""
    # Only constant SQL fragments are interpolated below; every value travels as a parameter.
    window_leads = f"""
        SELECT l.pro_id, l.created_at, l.responded_at,
               CASE WHEN l.status IN ('accepted', 'rejected')
                      OR (l.status IN ('filled', 'withdrawn') AND l.responded_at IS NOT NULL)
                    THEN 1 ELSE 0 END AS responded,
               CASE WHEN l.status = 'expired' OR (l.status = 'pending' AND l.deadline <= %(now)s)
                    THEN 1 ELSE 0 END AS missed
        FROM leads_lead l
        WHERE l.marketplace_id = %(marketplace_id)s AND l.kind IN ('new', 'matched')
          AND l.created_at >= %(since)s {pro_filter}
    """  # noqa: S608
    secs = epoch_seconds_sql("w.created_at", "w.responded_at")
    if connection.vendor == "postgresql":
        return f"""
            SELECT w.pro_id, COUNT(*) AS lead_count, SUM(w.responded) AS responded,
                   SUM(w.responded) + SUM(w.missed) AS due,
                   MAX(CASE WHEN w.responded = 1 THEN w.responded_at END) AS last_response_at,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY {secs})
                       FILTER (WHERE w.responded = 1 AND w.responded_at IS NOT NULL) AS median_seconds
            FROM ({window_leads}) w
            GROUP BY w.pro_id
        """  # noqa: S608
    # SQLite (the embedded development default): the median through window functions.
    return f"""
        SELECT s.*, m.median_seconds FROM (
            SELECT w.pro_id, COUNT(*) AS lead_count, SUM(w.responded) AS responded,
                   SUM(w.responded) + SUM(w.missed) AS due,
                   MAX(CASE WHEN w.responded = 1 THEN w.responded_at END) AS last_response_at
            FROM ({window_leads}) w GROUP BY w.pro_id
        ) s LEFT JOIN (
            SELECT a.pro_id, AVG(a.secs) AS median_seconds FROM (
                SELECT w.pro_id, {secs} AS secs,
                       ROW_NUMBER() OVER (PARTITION BY w.pro_id ORDER BY {secs}) AS rn,
                       COUNT(*) OVER (PARTITION BY w.pro_id) AS n
                FROM ({window_leads}) w WHERE w.responded = 1 AND w.responded_at IS NOT NULL
            ) a WHERE a.rn IN ((a.n + 1) / 2, (a.n + 2) / 2) GROUP BY a.pro_id
        ) m ON m.pro_id = s.pro_id
    """  # noqa: S608


def calc_sql(*, single_pro: bool) -> str:
    """Every pro of the marketplace with its new figures, factors and old state (a SELECT).

    ``pro_changed`` is 1 when the pro's row must be written (a figure, the demotion or its
    start differs from what is stored), ``standing_changed`` when its standing must."""
    pro_filter = "AND p.id = %(pro_id)s" if single_pro else ""
    activity_age = epoch_seconds_sql("b.last_active_at", "%(now)s")
    return f"""
        SELECT e.*,
               CASE WHEN e.response_rate_old IS DISTINCT FROM e.response_rate
                         OR e.median_seconds_old IS DISTINCT FROM e.median_seconds
                         OR e.last_active_at_old IS DISTINCT FROM e.last_active_at
                         OR e.demoted_old <> e.demoted_new
                         OR (e.demoted_new = 1 AND e.demoted_since IS NULL)
                         OR (e.demoted_new = 0 AND e.demoted_since IS NOT NULL)
                         OR e.rank_score_old IS DISTINCT FROM e.rank_score
                    THEN 1 ELSE 0 END AS pro_changed
        FROM (
        SELECT d.*,
               CASE WHEN d.demoted_new = 0 AND %(enabled)s = 1 AND d.due + 1 >= %(min_sample)s
                         AND d.responded * 1000 < %(threshold_milli)s * (d.due + 1)
                    THEN 1 ELSE 0 END AS at_risk,
               (  %(w_star)s * d.f_star + %(w_reviews)s * d.f_reviews + %(w_completeness)s * d.f_completeness
                + %(w_rate)s * d.f_rate + %(w_time)s * d.f_time + %(w_member)s * d.f_member
                + %(w_activity)s * d.f_activity
               ) * 100.0 / %(w_total)s
               * CASE WHEN d.demoted_new = 1 THEN %(demotion_factor)s ELSE 1.0 END AS rank_score
        FROM (
            SELECT b.*,
                   CASE WHEN %(enabled)s = 1 AND b.due >= %(min_sample)s
                             AND b.responded * 1000 < %(threshold_milli)s * b.due
                        THEN 1 ELSE 0 END AS demoted_new,
                   b.star_score / 100.0 AS f_star,
                   b.review_count * 1.0 / (b.review_count + %(review_half)s) AS f_reviews,
                   b.completeness / 100.0 AS f_completeness,
                   CASE WHEN b.due >= %(min_sample)s THEN b.responded * 1.0 / b.due
                        ELSE %(threshold)s END AS f_rate,
                   CASE WHEN b.median_seconds IS NULL THEN 0.5
                        ELSE %(time_half_seconds)s / (%(time_half_seconds)s + b.median_seconds) END AS f_time,
                   CASE WHEN b.tier = %(member_tier)s THEN 1.0 ELSE 0.0 END AS f_member,
                   CASE WHEN b.last_active_at IS NULL THEN 0.0
                        WHEN {activity_age} < 86400 THEN 1.0
                        ELSE POWER(0.5, FLOOR({activity_age} / 86400.0) / %(activity_half_days)s) END AS f_activity
            FROM (
                SELECT p.id AS pro_id, p.star_score, p.review_count, p.completeness, p.tier,
                       CASE WHEN p.demoted THEN 1 ELSE 0 END AS demoted_old, p.demoted_since,
                       CASE WHEN st.at_risk THEN 1 ELSE 0 END AS at_risk_old,
                       CASE WHEN st.pro_id IS NULL OR st.responded_count <> COALESCE(s.responded, 0)
                                 OR st.due_count <> COALESCE(s.due, 0)
                            THEN 1 ELSE 0 END AS standing_counts_changed,
                       p.response_rate AS response_rate_old, p.median_response_seconds AS median_seconds_old,
                       p.last_active_at AS last_active_at_old, p.rank_score AS rank_score_old,
                       COALESCE(s.lead_count, 0) AS lead_count,
                       COALESCE(s.responded, 0) AS responded, COALESCE(s.due, 0) AS due,
                       CASE WHEN COALESCE(s.due, 0) >= %(min_sample)s
                            THEN ROUND(s.responded * 1.0 / s.due, 3) END AS response_rate,
                       CAST(ROUND(s.median_seconds) AS INTEGER) AS median_seconds,
                       CASE WHEN s.last_response_at IS NOT NULL
                                 AND (p.last_active_at IS NULL OR s.last_response_at > p.last_active_at)
                            THEN s.last_response_at ELSE p.last_active_at END AS last_active_at
                FROM pros_pro p
                LEFT JOIN ({stats_sql(single_pro=single_pro)}) s ON s.pro_id = p.id
                LEFT JOIN ranking_prostanding st ON st.pro_id = p.id
                WHERE p.marketplace_id = %(marketplace_id)s {pro_filter}
            ) b
        ) d
        ) e
    """  # noqa: S608


# --- Rule 6 in Python (the stats page) ----------------------------------------------------------

COUNTS_RESPONDED = "responded"
COUNTS_MISSED = "missed"
COUNTS_PENDING = "pending_in_time"
COUNTS_NOT_COUNTED = "not_counted"


def responded_q() -> Q:
    return Q(status__in=[LeadStatus.ACCEPTED, LeadStatus.REJECTED]) | Q(
        status__in=[LeadStatus.FILLED, LeadStatus.WITHDRAWN], responded_at__isnull=False
    )


def missed_q(now: dt.datetime) -> Q:
    return Q(status=LeadStatus.EXPIRED) | Q(status=LeadStatus.PENDING, deadline__lte=now)


@dataclass(frozen=True)
class ResponseCounts:
    responded: int
    missed: int
    pending_in_time: int
    not_counted: int

    @property
    def due(self) -> int:
        return self.responded + self.missed


def response_rate(*, counts: ResponseCounts, policy: MarketplacePolicy) -> Decimal | None:
    if counts.due < policy.response_min_sample or counts.due == 0:
        return None
    return (Decimal(counts.responded) / Decimal(counts.due)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def is_below_threshold(*, responded: int, due: int, policy: MarketplacePolicy) -> bool:
    """Rule 6's demotion test, exact, as the rollup's ``demoted_new``: demotion switched on, at
    least the minimum sample, and responded/due < threshold. With demotion switched off nobody
    is below it, so there is nothing to lift (``responses_to_lift`` is 0)."""
    return (
        policy.response_rate_demotion_enabled
        and due >= policy.response_min_sample
        and Decimal(responded) < Decimal(policy.response_rate_threshold) * due
    )


def is_at_risk(*, counts: ResponseCounts, policy: MarketplacePolicy) -> bool:
    """Not below the threshold now, but one more missed lead would put it there."""
    if not policy.response_rate_demotion_enabled:
        return False
    if is_below_threshold(responded=counts.responded, due=counts.due, policy=policy):
        return False
    return is_below_threshold(responded=counts.responded, due=counts.due + 1, policy=policy)


def responses_to_lift(*, responded: int, due: int, threshold: Decimal) -> int | None:
    """How many more answered leads bring responded/due back to the threshold (0 if already there).

    None when answering cannot reach it (a threshold of 1 with a miss in the window): then
    only the miss leaving the window restores the pro.
    """
    threshold = Decimal(threshold)
    if due > 0 and Decimal(responded) >= threshold * due:
        return 0
    if due == 0:
        return 0
    if threshold >= 1:
        return None
    needed = (threshold * due - responded) / (1 - threshold)
    return max(0, math.ceil(needed))


@dataclass(frozen=True)
class Factor:
    name: str
    raw: object
    value: float
    weight: int
    contribution: float


def rank_breakdown(
    *, pro: Pro, weights: RankingPolicy, policy: MarketplacePolicy, responded: int, due: int, as_of: dt.datetime
) -> tuple[list[Factor], float, float]:
    """The rank score factor by factor, exactly as the rollup computes it (``calc_sql`` above).

    Returns (factors, score before demotion, demotion multiplier)."""
    has_rate = due >= policy.response_min_sample and due > 0
    rate_value = (responded / due) if has_rate else float(policy.response_rate_threshold)
    median = pro.median_response_seconds
    half_seconds = weights.response_time_half_hours * 3600
    if pro.last_active_at is None:
        activity = 0.0
    else:
        age = (as_of - pro.last_active_at).total_seconds()
        activity = 1.0 if age < 86400 else 0.5 ** (math.floor(age / 86400.0) / weights.activity_half_life_days)
    raw_factors = [
        ("star_score", pro.star_score, pro.star_score / 100, weights.weight_star_score),
        (
            "review_volume",
            pro.review_count,
            pro.review_count / (pro.review_count + weights.review_volume_half),
            weights.weight_review_volume,
        ),
        ("completeness", pro.completeness, pro.completeness / 100, weights.weight_completeness),
        (
            "response_rate",
            str(pro.response_rate) if pro.response_rate is not None else None,
            rate_value,
            weights.weight_response_rate,
        ),
        (
            "response_time",
            median,
            0.5 if median is None else half_seconds / (half_seconds + median),
            weights.weight_response_time,
        ),
        ("membership", pro.tier, 1.0 if pro.tier == MembershipTier.BRAND_BUILDER else 0.0, weights.weight_membership),
        (
            "activity",
            pro.last_active_at.isoformat() if pro.last_active_at else None,
            activity,
            weights.weight_activity,
        ),
    ]
    total_weight = max(weights.weight_total, 1)
    factors = [
        Factor(name, raw, value, weight, value * weight * 100.0 / total_weight)
        for name, raw, value, weight in raw_factors
    ]
    multiplier = float(policy.demotion_factor) if pro.demoted else 1.0
    return factors, sum(f.contribution for f in factors), multiplier
