"""Rule 15 end to end: a Friday-evening lead to a Monday-Friday 9-17 pro."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from leads.models import Lead
from ranking.services import pro_stats_rollup
from tests.factories import VacationFactory

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")
FRIDAY_EVENING = dt.datetime(2026, 11, 27, 18, tzinfo=TORONTO)
SUNDAY_NIGHT = dt.datetime(2026, 11, 29, 22, tzinfo=TORONTO)
BUDGET = dt.timedelta(hours=40) / 7  # the matched lead's 24 h = 1/7 of a 40-hour week
MONDAY_DEADLINE = dt.datetime(2026, 11, 30, 9, tzinfo=TORONTO) + BUDGET


@pytest.fixture
def clock(monkeypatch):
    """Set the wall clock the product reads (django.utils.timezone.now)."""

    def at(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(dt.UTC))

    return at


@pytest.fixture
def business_hours(marketplace):
    policy = marketplace.policy
    policy.business_hours_enabled = True
    policy.response_rate_demotion_enabled = True
    policy.response_min_sample = 1
    policy.save()
    return policy


def _nine_to_five(api_client, marketplace, user):
    week = [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)]
    assert api_client(marketplace, user).put("/api/v1/pro/working-hours/", {"hours": week}).status_code == 200


def test_a_friday_evening_lead_is_due_in_working_time_is_not_missed_over_the_weekend_and_stats_say_why(
    api_client, marketplace, homeowner, make_pro, request_body, business_hours, clock
):
    user = make_pro()
    _nine_to_five(api_client, marketplace, user)
    clock(FRIDAY_EVENING)
    assert api_client(marketplace, homeowner).post("/api/v1/quote-requests/", request_body()).status_code == 201
    lead = Lead.objects.get(pro=user.pro)
    assert lead.deadline == MONDAY_DEADLINE  # Monday 14:42:51 Toronto, not Saturday 18:00

    payload = api_client(marketplace, user).get(f"/api/v1/pro/leads/{lead.pk}/").json()
    assert payload["deadline"] == MONDAY_DEADLINE.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    assert payload["clock"] == {
        "basis": "working_hours",
        "seconds_left": int((MONDAY_DEADLINE - FRIDAY_EVENING).total_seconds()),
        "working_seconds_left": int(BUDGET.total_seconds()),
        "working_now": False,
    }

    clock(SUNDAY_NIGHT)  # 52 calendar hours later: a calendar clock would have missed it on Saturday
    pro_stats_rollup(marketplace=marketplace, now=timezone.now())
    user.pro.refresh_from_db()
    assert not user.pro.demoted
    stats = api_client(marketplace, user).get("/api/v1/pro/stats/").json()
    assert stats["response_rate"]["missed"] == 0 and stats["response_rate"]["pending_in_time"] == 1
    (listed,) = stats["leads"]["results"]
    assert listed["counts_as"] == "pending_in_time"
    assert listed["working_seconds_left"] == int(BUDGET.total_seconds())  # the weekend used none of it
    assert stats["clock"]["basis"] == "working_hours" and stats["clock"]["weekly_hours"] == 40.0
    assert "weekends" in stats["clock"]["explanation"] and "working hours" in stats["clock"]["explanation"]

    clock(MONDAY_DEADLINE + dt.timedelta(minutes=1))  # now it is late, in working time
    pro_stats_rollup(marketplace=marketplace, now=timezone.now())
    stats = api_client(marketplace, user).get("/api/v1/pro/stats/").json()
    assert stats["response_rate"]["missed"] == 1


def test_with_the_switch_off_the_same_lead_runs_on_the_calendar_and_is_missed_by_sunday(
    api_client, marketplace, homeowner, make_pro, request_body, clock
):
    user = make_pro()
    _nine_to_five(api_client, marketplace, user)
    clock(FRIDAY_EVENING)
    api_client(marketplace, homeowner).post("/api/v1/quote-requests/", request_body())
    lead = Lead.objects.get(pro=user.pro)
    assert lead.deadline == FRIDAY_EVENING + dt.timedelta(hours=24)
    clock(SUNDAY_NIGHT)
    stats = api_client(marketplace, user).get("/api/v1/pro/stats/").json()
    assert stats["response_rate"]["missed"] == 1
    assert stats["clock"]["basis"] == "calendar"


def test_a_pro_on_vacation_is_not_offered_leads(
    api_client, marketplace, homeowner, make_pro, request_body, business_hours, clock
):
    away = make_pro(rank=90.0)
    here = make_pro(rank=10.0)
    VacationFactory(
        marketplace=marketplace, pro=away.pro, start_date=dt.date(2026, 11, 27), end_date=dt.date(2026, 11, 30)
    )
    clock(FRIDAY_EVENING)
    assert api_client(marketplace, homeowner).post("/api/v1/quote-requests/", request_body()).status_code == 201
    assert list(Lead.objects.values_list("pro_id", flat=True)) == [here.pro.pk]
    profile = api_client(marketplace, homeowner).post(
        "/api/v1/quote-requests/", request_body(pro=away.pro.pk, description="Another job")
    )
    assert profile.status_code == 400
    assert profile.json()["error"]["code"] == "pro_on_vacation" and "pro" in profile.json()["error"]["fields"]
