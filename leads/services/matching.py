"""The platform matching engine: candidate pros for (category, area) in ONE set-based query.

Rule 2 of DESIGN.md, as SQL. The query joins ``pros_service`` (category, active) to
``pros_proarea`` (the request's area) and ``pros_pro`` (not paused, not suspended; not on
vacation today when the business-hours clock is on, Rule 15) and keeps a pro only when it can
receive some lead here:

* a *promotion candidate*: the policy allows promotion, the service has it on, the pro has
  room under its weekly spend cap for the promotion fee and (fee > 0) a saved payment
  method, since an auto-quote is charged at once; or
* a *matched candidate*: the policy has matched leads on, the pro is of the required tier
  with Star Score ≥ the threshold and has room for the matched fee; ranked by
  ``pros_pro.rank_score`` (then pro id) with ``ROW_NUMBER()`` and cut at the fan-out *inside*
  the query.

The statement is hand-written here, clause by clause against the rule, and built once per
process for each *policy branch* (promotion on/off × matched on/off × business hours on/off ×
card required or not): a request only binds its parameters. Building the same query with the
ORM on every request cost more Python (building, compiling, instantiating models) than the
database spent running it (issue 16). Rows come back as ``Candidate`` tuples holding only what
routing needs; routing loads the few services and pros that actually get a lead.

Spend is a correlated ``SUM`` over the partial index ``charge_pro_week_idx``, run only for pros
that have a cap, once per row (with both families on, the ``base`` CTE is materialised so the
two room checks share it); the joins use ``service_match_idx`` (marketplace, category, pro) and
``pro_area_lookup_idx`` (marketplace, area, pro). The perfect-match conditions (budget, start
lead time, job attributes, service areas) are then applied with ``pros.matching.perfect_match``
in Python, but only to the promotion candidates the query returned (a handful per category and
area): they read JSON (``condition_attributes``, ``condition_areas``) whose semantics already
live in one tested pure function, and duplicating them in SQL would fork the rule and tie it to
PostgreSQL's JSON operators, while the embedded default runs on SQLite.

A member whose promotion service matches perfectly gets the auto-quote instead of a matched
lead; it keeps its fan-out slot, because the job was offered to it either way.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection

from billing.fees import week_start
from billing.models import ChargeStatus
from marketplace.models import Marketplace
from marketplace.selectors import marketplace_policy
from pros.models import Category


@dataclass(frozen=True)
class MatchingFees:
    matched: int
    promotion: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """One service (and its pro) that may receive a lead, with the conditions perfect match reads.

    ``member_rank`` is 1-based among matched candidates (best rank score first) when both
    families are on, else 0, as ``routing`` expects."""

    service_id: int
    pro_id: int
    rank_score: float
    promotion_candidate: bool
    matched_candidate: bool
    member_rank: int
    category_id: int
    condition_areas: list[str]
    condition_budget_min: int | None
    condition_budget_max: int | None
    condition_lead_time_days: int
    condition_attributes: dict[str, Any]

    @property
    def pk(self) -> int:
        """The service's id (rows used to be ``Service`` instances)."""
        return self.service_id


@dataclass(frozen=True)
class _Branch:
    promotion: bool  # policy.promotion_service_enabled
    matched: bool  # policy.matched_leads_enabled
    vacations: bool  # policy.business_hours_enabled: Rule 15, a vacation pauses matching
    card: bool  # promotion fee > 0: an auto-quote needs a saved payment method


_COLUMNS = """s.id AS service_id, s.pro_id, p.rank_score, s.category_id, s.condition_areas,
       s.condition_budget_min, s.condition_budget_max, s.condition_lead_time_days, s.condition_attributes"""

# Pros serving the category and area, not paused, not suspended (Rule 2).
_FROM = """
FROM pros_service s
JOIN pros_pro p ON p.id = s.pro_id
JOIN pros_proarea a ON a.pro_id = s.pro_id AND a.marketplace_id = %(mid)s AND a.area = %(area)s
WHERE s.marketplace_id = %(mid)s AND s.category_id = %(category)s AND s.is_active
  AND NOT p.paused AND NOT p.suspended"""

# Rule 15: a vacation covering the marketplace's today pauses matching.
_NOT_ON_VACATION = """
  AND NOT EXISTS (SELECT 1 FROM hours_vacation v
                  WHERE v.pro_id = s.pro_id AND v.marketplace_id = %(mid)s
                    AND v.start_date <= %(today)s AND v.end_date >= %(today)s)"""

# "Under their spend cap": the pro's live charges since the start of the marketplace's week.
_LIVE = ", ".join(f"'{status}'" for status in (ChargeStatus.PENDING, ChargeStatus.SUCCEEDED))
_SPEND = f"""COALESCE((SELECT SUM(c.amount) FROM billing_charge c
                  WHERE c.pro_id = s.pro_id AND c.status IN ({_LIVE}) AND c.created_at >= %(week)s), 0)"""  # noqa: S608
# Room left under the cap, NULL without a cap (the spend is then never summed).
_ROOM = f"CASE WHEN p.weekly_spend_cap IS NOT NULL THEN p.weekly_spend_cap - {_SPEND} END"
# An auto-quote is charged at once: with a fee the pro needs a saved payment method.
_HAS_CARD = (
    "EXISTS (SELECT 1 FROM billing_paymentprofile pp WHERE pp.pro_id = s.pro_id AND pp.payment_method_token <> '')"
)
_ORDER = "ORDER BY rank_score DESC, pro_id"  # best rank first, then the older pro
_ORDER_JOINED = "ORDER BY p.rank_score DESC, s.pro_id"  # the same, spelled for the joined tables


def _room_for(fee: str, *, room: str | None = None) -> str:
    """No cap, or the cap holds this fee on top of the week's spend (``room``: precomputed)."""
    if room is None:
        return f"(p.weekly_spend_cap IS NULL OR p.weekly_spend_cap >= {_SPEND} + {fee})"
    return f"({room} IS NULL OR {room} >= {fee})"


def _promotion_ok(branch: _Branch, *, service: str, room: str | None, card: str) -> str:
    """The service auto-quotes and the pro can be charged its fee now."""
    ok = f"{service}.promotion_enabled AND {_room_for('%(fee_promotion)s', room=room)}"
    return f"{ok} AND {card}" if branch.card else ok


def _qualified(pro: str) -> str:
    """Matched leads: the required tier with Star Score at or above the threshold."""
    return f"{pro}.tier = %(tier)s AND {pro}.star_score >= %(star)s"


@lru_cache(maxsize=32)
def _sql(branch: _Branch, vendor: str) -> str | None:
    """The statement of one policy branch (None: no family is on, nobody can be matched)."""
    where = _FROM + (_NOT_ON_VACATION if branch.vacations else "")
    if branch.matched and not branch.promotion:
        # Matched leads only (maple's rulebook): the best ``fanout`` qualified members.
        return f"""SELECT {_COLUMNS}, FALSE AS promotion_candidate, TRUE AS matched_candidate, 0 AS member_rank
{where}
  AND {_qualified("p")} AND {_room_for("%(fee_matched)s")}
{_ORDER_JOINED} LIMIT %(fanout)s"""  # noqa: S608 - constant fragments; every value is a parameter
    if branch.promotion and not branch.matched:
        # Promotion only (formosa's rulebook): every pro whose service may auto-quote.
        return f"""SELECT {_COLUMNS}, TRUE AS promotion_candidate, FALSE AS matched_candidate, 0 AS member_rank
{where}
  AND {_promotion_ok(branch, service="s", room=None, card=_HAS_CARD)}
{_ORDER_JOINED}"""  # noqa: S608
    if not branch.matched:
        return None
    # Both families: the room is computed once per row (a materialised CTE: PostgreSQL would
    # otherwise inline the correlated SUM into each check), then both flags, then the members'
    # rank; every promotion candidate and the best ``fanout`` matched ones are kept.
    materialized = "MATERIALIZED " if vendor == "postgresql" else ""
    return f"""WITH base AS {materialized}(
SELECT {_COLUMNS}, s.promotion_enabled, p.tier, p.star_score, {_ROOM} AS room,
       {_HAS_CARD if branch.card else "TRUE"} AS has_card
{where}
), flagged AS (
SELECT b.*,
       CASE WHEN {_promotion_ok(branch, service="b", room="b.room", card="b.has_card")}
            THEN TRUE ELSE FALSE END AS promotion_candidate,
       CASE WHEN {_qualified("b")} AND {_room_for("%(fee_matched)s", room="b.room")}
            THEN TRUE ELSE FALSE END AS matched_candidate
FROM base b
), ranked AS (
SELECT f.*, ROW_NUMBER() OVER (PARTITION BY f.matched_candidate {_ORDER}) AS member_rank FROM flagged f
)
SELECT service_id, pro_id, rank_score, category_id, condition_areas, condition_budget_min, condition_budget_max,
       condition_lead_time_days, condition_attributes, promotion_candidate, matched_candidate, member_rank
FROM ranked
WHERE promotion_candidate OR (matched_candidate AND member_rank <= %(fanout)s)
{_ORDER}"""  # noqa: S608


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def matching_candidates(
    *, marketplace: Marketplace, category: Category, area: str, fees: MatchingFees, now: dt.datetime
) -> list[Candidate]:
    """Services (with their pro) that may receive a lead for this request, best rank first; see
    the module doc. One statement, built once per process for the policy's branch."""
    policy = marketplace_policy(marketplace)
    branch = _Branch(
        promotion=policy.promotion_service_enabled,
        matched=policy.matched_leads_enabled,
        vacations=policy.business_hours_enabled,
        card=policy.promotion_service_enabled and fees.promotion > 0,
    )
    sql = _sql(branch, connection.vendor)
    if sql is None:
        return []
    ops = connection.ops
    params: dict[str, Any] = {
        "mid": marketplace.pk,
        "category": category.pk,
        "area": area,
        "week": ops.adapt_datetimefield_value(week_start(marketplace=marketplace, now=now)),
        "today": ops.adapt_datefield_value(now.astimezone(ZoneInfo(marketplace.time_zone)).date()),
        "tier": policy.matched_required_tier,
        "star": policy.star_score_threshold,
        "fee_matched": fees.matched,
        "fee_promotion": fees.promotion,
        "fanout": policy.matched_fanout,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        Candidate(
            service_id=service_id,
            pro_id=pro_id,
            rank_score=rank_score,
            category_id=category_id,
            condition_areas=_json(areas),
            condition_budget_min=budget_min,
            condition_budget_max=budget_max,
            condition_lead_time_days=lead_days,
            condition_attributes=_json(attributes),
            promotion_candidate=bool(promotion),
            matched_candidate=bool(matched),
            member_rank=member_rank,
        )
        for (
            service_id,
            pro_id,
            rank_score,
            category_id,
            areas,
            budget_min,
            budget_max,
            lead_days,
            attributes,
            promotion,
            matched,
            member_rank,
        ) in rows
    ]
