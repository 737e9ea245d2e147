"""Rule 6 of DESIGN.md in plain Python, written from the rule and ranking/README.md alone.

It shares no code with ``ranking.services`` or ``ranking.selectors``: exact fractions instead
of SQL or Decimal, a linear search instead of the closed form for ``responses_to_lift``.

    Response rate = responded / due, over leads of kinds ``new`` and ``matched`` received in the
    last ``response_window_days``; due counts leads answered or past deadline (pending ones
    still in time are not counted against the pro); accept and reject both count as
    responses; promotion leads are excluded. Below the threshold with at least
    ``response_min_sample`` due leads → demoted.

Plus what ranking/README.md pins down: the window includes a lead received exactly at its
start; a pending lead whose deadline is exactly now is missed; a filled or withdrawn lead
counts as responded only if the pro had answered it; no figure below the minimum sample; the
stored figure is rounded half up to 3 places; demotion only while the policy switch is on;
at risk = not demoted but one more miss would demote; responses to lift = the least k with
(responded + k) / (due + k) >= threshold, null when no k reaches it, 0 when not demoted.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

RESPONDED, MISSED, PENDING, NOT_COUNTED, OUTSIDE = "responded", "missed", "pending_in_time", "not_counted", "outside"


@dataclass(frozen=True)
class Policy:
    threshold: Decimal  # 3 decimal places, 0..1
    min_sample: int
    window_days: int
    demotion_enabled: bool = True


@dataclass(frozen=True)
class Lead:
    kind: str
    status: str
    created_at: dt.datetime
    deadline: dt.datetime | None
    responded_at: dt.datetime | None


@dataclass(frozen=True)
class Figures:
    responded: int
    due: int
    missed: int
    pending_in_time: int
    not_counted: int
    rate: Decimal | None
    demoted: bool
    at_risk: bool
    median_response_seconds: int | None
    responses_to_lift: int | None


def counts_as(lead: Lead, *, policy: Policy, now: dt.datetime) -> str:
    if lead.kind not in ("new", "matched"):
        return OUTSIDE
    if lead.created_at < now - dt.timedelta(days=policy.window_days):
        return OUTSIDE
    if lead.status in ("accepted", "rejected"):
        return RESPONDED
    if lead.status in ("filled", "withdrawn"):
        return RESPONDED if lead.responded_at is not None else NOT_COUNTED
    if lead.status == "expired":
        return MISSED
    if lead.status == "pending":
        return MISSED if lead.deadline is not None and lead.deadline <= now else PENDING
    raise AssertionError(f"unknown status {lead.status}")


def below(responded: int, due: int, *, policy: Policy) -> bool:
    """Demotion test on exact fractions: switched on, enough due leads, responded/due < threshold."""
    return (
        policy.demotion_enabled and due >= policy.min_sample and Fraction(responded, due) < Fraction(policy.threshold)
    )


def least_answers_to_reach(responded: int, due: int, threshold: Decimal) -> int | None:
    """Brute force: the least k >= 0 with (responded + k) / (due + k) >= threshold.

    For a threshold m/1000 < 1 a solution, if any, is at most m * due (k * (1000 - m) >=
    m * due - 1000 * responded), so searching up to 1000 * due is complete."""
    t = Fraction(threshold)
    for k in range(0, 1000 * due + 2):
        if due + k == 0 or Fraction(responded + k, due + k) >= t:
            return k
    return None


def _round_half_up_3(value: Fraction) -> Decimal:
    thousandths = math.floor(value * 1000 + Fraction(1, 2))
    return Decimal(thousandths) / Decimal(1000)


def _median_seconds(durations: list[Fraction]) -> int | None:
    if not durations:
        return None
    ordered = sorted(durations)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return round(median)  # the scenarios use whole minutes, so this is a whole number already


def figures(leads: list[Lead], *, policy: Policy, now: dt.datetime) -> Figures:
    kinds = [counts_as(lead, policy=policy, now=now) for lead in leads]
    responded, missed, pending = kinds.count(RESPONDED), kinds.count(MISSED), kinds.count(PENDING)
    due = responded + missed
    rate = _round_half_up_3(Fraction(responded, due)) if due >= policy.min_sample else None
    demoted = below(responded, due, policy=policy)
    at_risk = policy.demotion_enabled and not demoted and below(responded, due + 1, policy=policy)
    durations = [
        Fraction((lead.responded_at - lead.created_at) // dt.timedelta(microseconds=1), 1_000_000)
        for lead, kind in zip(leads, kinds, strict=True)
        if kind == RESPONDED and lead.responded_at is not None
    ]
    return Figures(
        responded=responded,
        due=due,
        missed=missed,
        pending_in_time=pending,
        not_counted=kinds.count(NOT_COUNTED),
        rate=rate,
        demoted=demoted,
        at_risk=at_risk,
        median_response_seconds=_median_seconds(durations),
        responses_to_lift=least_answers_to_reach(responded, due, policy.threshold) if demoted else 0,
    )
