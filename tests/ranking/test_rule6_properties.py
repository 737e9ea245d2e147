"""Rule 6 at its boundaries: the rollup's stored figures and the stats selectors against an
independent oracle (``tests/ranking/rule6_oracle.py``), at any threshold, minimum sample and
window, over every lead kind and status — including a pending lead whose deadline is exactly
now and a lead received exactly at the start of the window (and one microsecond before it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from leads.models import Lead, QuoteRequest
from marketplace.models import MarketplacePolicy
from pros.models import Pro
from ranking import selectors, services
from ranking.models import ProDailySnapshot, ProStanding
from tests.factories import CategoryFactory, MarketplaceFactory, ProFactory, UserFactory
from tests.ranking import rule6_oracle as oracle

pytestmark = pytest.mark.django_db

KINDS = ["new", "matched", "promotion"]
STATUSES = ["pending", "accepted", "rejected", "expired", "filled", "withdrawn"]
MICRO = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class Spec:
    """A lead relative to ``now``: received ``age`` ago, deadline at ``now + deadline_in``,
    answered ``answered_minutes`` after it was received (None: never answered)."""

    kind: str
    status: str
    age: dt.timedelta
    deadline_in: dt.timedelta
    answered_minutes: int | None

    def concrete(self, now: dt.datetime) -> oracle.Lead:
        created = now - self.age
        answered = self.answered_minutes
        return oracle.Lead(
            kind=self.kind,
            status=self.status,
            created_at=created,
            deadline=None if self.kind == "promotion" else now + self.deadline_in,
            responded_at=None if answered is None else created + dt.timedelta(minutes=answered),
        )


def spec(kind="new", status="accepted", *, age=dt.timedelta(days=1), deadline_in=-dt.timedelta(hours=1), answered=None):
    if answered is None and status in ("accepted", "rejected"):
        answered = 60
    return Spec(kind, status, age, deadline_in, answered)


@st.composite
def scenarios(draw):
    window = draw(st.integers(1, 60))
    policy = oracle.Policy(
        threshold=Decimal(draw(st.integers(0, 1000))) / Decimal(1000),
        min_sample=draw(st.integers(1, 8)),
        window_days=window,
        demotion_enabled=draw(st.booleans()),
    )
    edge = dt.timedelta(days=window)
    ages = st.one_of(
        st.just(edge),  # received exactly at the start of the window: counted
        st.just(edge + MICRO),  # a microsecond earlier: outside
        st.integers(0, window * 86400 - 1).map(lambda s: dt.timedelta(seconds=s)),
    )
    deadlines = st.sampled_from([dt.timedelta(0), -MICRO, MICRO, -dt.timedelta(hours=5), dt.timedelta(hours=20)])

    @st.composite
    def lead(draw_lead):
        status = draw_lead(st.sampled_from(STATUSES))
        if status in ("accepted", "rejected"):
            answered = draw_lead(st.integers(1, 600))
        elif status in ("filled", "withdrawn"):
            answered = draw_lead(st.one_of(st.none(), st.integers(1, 600)))
        else:
            answered = None
        return Spec(draw_lead(st.sampled_from(KINDS)), status, draw_lead(ages), draw_lead(deadlines), answered)

    return policy, draw(st.lists(lead(), max_size=14))


def _store(marketplace, pro, specs: list[Spec], now: dt.datetime) -> None:
    homeowner = UserFactory(marketplace=marketplace, role="homeowner")
    category = CategoryFactory(marketplace=marketplace)
    requests = QuoteRequest.objects.bulk_create(
        QuoteRequest(
            marketplace=marketplace,
            homeowner=homeowner,
            category=category,
            source="platform",
            postal_code="M5V 3L9",
            area="M5V",
            description=f"job {n}",
            contact_name="Pat",
        )
        for n in range(len(specs))
    )
    leads = [s.concrete(now) for s in specs]
    rows = Lead.objects.bulk_create(
        Lead(
            marketplace=marketplace,
            request=request,
            pro=pro,
            kind=lead.kind,
            status=lead.status,
            deadline=lead.deadline,
            fee_amount=0,
            fee_currency=marketplace.currency,
        )
        for request, lead in zip(requests, leads, strict=True)
    )
    for row, lead in zip(rows, leads, strict=True):  # created_at is auto_now_add: set it after
        Lead.objects.filter(pk=row.pk).update(created_at=lead.created_at, responded_at=lead.responded_at)


def check(policy: oracle.Policy, specs: list[Spec]) -> None:
    now = timezone.now()
    marketplace = MarketplaceFactory()
    MarketplacePolicy.objects.filter(marketplace=marketplace).update(
        response_rate_threshold=policy.threshold,
        response_min_sample=policy.min_sample,
        response_window_days=policy.window_days,
        response_rate_demotion_enabled=policy.demotion_enabled,
    )
    pro = ProFactory(marketplace=marketplace)
    _store(marketplace, pro, specs, now)
    expected = oracle.figures([s.concrete(now) for s in specs], policy=policy, now=now)
    stored_policy = MarketplacePolicy.objects.get(marketplace=marketplace)

    # Live, as GET /pro/stats/ counts (the selectors, ORM).
    leads = selectors.pro_window_leads(marketplace=marketplace, pro=pro, policy=stored_policy, now=now)
    live = selectors.pro_response_counts(leads=leads)
    assert (live.responded, live.missed, live.pending_in_time, live.not_counted) == (
        expected.responded,
        expected.missed,
        expected.pending_in_time,
        expected.not_counted,
    )
    assert selectors.response_rate(counts=live, policy=stored_policy) == expected.rate
    below = selectors.is_below_threshold(responded=live.responded, due=live.due, policy=stored_policy)
    assert below is expected.demoted
    assert selectors.is_at_risk(counts=live, policy=stored_policy) is expected.at_risk
    # What the stats payload reports (ranking/api/views.py composes it this way).
    lift = selectors.responses_to_lift(responded=live.responded, due=live.due, threshold=policy.threshold)
    assert (lift if below else 0) == expected.responses_to_lift

    # Stored by the rollup (SQL): the single-pro refresh, then the whole marketplace.
    local_day = now.astimezone(ZoneInfo(marketplace.time_zone)).date()
    for pro_id in (pro.pk, None):
        services.pro_stats_rollup(marketplace=marketplace, pro_id=pro_id, now=now, notify=False)
        stored = Pro.objects.get(pk=pro.pk)
        standing = ProStanding.objects.get(pro=pro)
        snapshot = ProDailySnapshot.objects.get(pro=pro, day=local_day)
        assert (standing.responded_count, standing.due_count) == (expected.responded, expected.due)
        assert (snapshot.responded_count, snapshot.due_count) == (expected.responded, expected.due)
        assert stored.response_rate == snapshot.response_rate == expected.rate
        assert stored.demoted is snapshot.demoted is expected.demoted
        assert (stored.demoted_since is not None) is expected.demoted
        assert standing.at_risk is snapshot.at_risk is expected.at_risk
        assert stored.median_response_seconds == expected.median_response_seconds


DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)
P = oracle.Policy
BOUNDARIES = {
    "a pending lead whose deadline is exactly now is missed; a microsecond later, in time": (
        P(Decimal("0.750"), 4, 30),
        [*[spec() for _ in range(3)], spec(status="pending", deadline_in=dt.timedelta(0))]
        + [spec(status="pending", deadline_in=MICRO)],
    ),
    "a lead received exactly at the window's start counts; a microsecond earlier, not": (
        P(Decimal("0.667"), 3, 7),
        [spec(), spec(), spec(status="expired", age=7 * DAY), spec(status="expired", age=7 * DAY + MICRO)],
    ),
    "3 of 3 at 0.75 is not at risk: one more miss would leave exactly 75%": (
        P(Decimal("0.750"), 4, 30),
        [spec(), spec("matched", "rejected"), spec()],
    ),
    "1 of 3 is not below 0.333": (
        P(Decimal("0.333"), 3, 30),
        [spec(), spec("matched", "expired"), spec(status="expired")],
    ),
    "1 of 3 is below 0.334": (P(Decimal("0.334"), 3, 30), [spec(), spec("matched", "expired"), spec(status="expired")]),
    "3 of 4 is below 0.8 and one more answer (4 of 5) lifts it": (
        P(Decimal("0.800"), 4, 30),
        [spec(), spec("matched", "rejected"), spec(), spec(status="expired")],
    ),
    "matched filled unanswered is not counted, withdrawn answered is; promotion never counts": (
        P(Decimal("0.600"), 3, 30),
        [
            spec("matched", "filled"),
            spec("matched", "withdrawn", answered=5),
            spec("matched", "filled", answered=10),
            spec("promotion", "accepted"),
            spec("promotion", "expired"),
            spec("promotion", "pending"),
            spec(status="expired"),
            spec("matched", "expired"),
        ],
    ),
    "1 of 16 is stored as 0.063 (half up)": (
        P(Decimal("0.050"), 1, 30),
        [spec(), *[spec(status="expired") for _ in range(15)]],
    ),
    "a threshold of 1 with one miss cannot be reached by answering": (
        P(Decimal("1.000"), 2, 30),
        [spec(), spec(), spec(status="expired")],
    ),
    "demotion switched off: below the threshold, yet not demoted, not at risk, nothing to lift": (
        P(Decimal("0.900"), 2, 30, demotion_enabled=False),
        [spec(), spec(status="expired"), spec(status="expired")],
    ),
    "one day window, even medians": (
        P(Decimal("0.500"), 1, 1),
        [spec(age=HOUR, answered=10), spec(age=2 * HOUR, answered=40), spec(age=DAY + HOUR, answered=1)],
    ),
}


@pytest.mark.parametrize(("policy", "specs"), list(BOUNDARIES.values()), ids=list(BOUNDARIES))
def test_rule6_boundaries_match_the_oracle(policy, specs):
    check(policy, specs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_rule6_figures_match_the_oracle_at_any_threshold_sample_and_window(scenario):
    check(*scenario)


@settings(max_examples=300, deadline=None)
@given(responded=st.integers(0, 30), missed=st.integers(0, 30), milli=st.integers(0, 1000))
@example(responded=3, missed=1, milli=800)  # (3 + 1) / (4 + 1) = 0.8 exactly
@example(responded=1, missed=2, milli=333)  # already there: 0.3333 >= 0.333
@example(responded=3, missed=1, milli=1000)  # unreachable: None
@example(responded=0, missed=0, milli=750)  # nothing due: 0
def test_responses_to_lift_is_the_least_number_that_reaches_any_threshold(responded, missed, milli):
    threshold = Decimal(milli) / Decimal(1000)
    due = responded + missed
    assert selectors.responses_to_lift(
        responded=responded, due=due, threshold=threshold
    ) == oracle.least_answers_to_reach(responded, due, threshold)
