"""perfect_match: Rule 1 — every working condition the service sets must hold.

The function is pure, so these tests build unsaved services and need no database.
"""

import datetime

from hypothesis import assume, given
from hypothesis import strategies as st

from pros.matching import JobSpec, MatchResult, perfect_match
from pros.models import Service

TODAY = datetime.date(2026, 11, 23)
amounts = st.integers(min_value=0, max_value=10**9)


def make_service(**overrides) -> Service:
    fields = {
        "category_id": 1,
        "condition_areas": [],
        "condition_budget_min": None,
        "condition_budget_max": None,
        "condition_lead_time_days": 0,
        "condition_attributes": {},
    }
    fields.update(overrides)
    return Service(**fields)


def make_job(**overrides) -> JobSpec:
    fields = {
        "category_id": 1,
        "area": "M5V",
        "budget_min": None,
        "budget_max": None,
        "start_date": None,
        "answers": {},
    }
    fields.update(overrides)
    return JobSpec(**fields)


def check(service, job, pro_areas=("M5V",), today=TODAY) -> MatchResult:
    return perfect_match(service, job, pro_areas=pro_areas, today=today)


def test_a_service_without_conditions_matches_a_request_in_its_category_and_the_pros_area():
    assert check(make_service(), make_job()) == MatchResult(matched=True, failures=())


def test_another_category_fails_on_category():
    result = check(make_service(category_id=2), make_job(category_id=1))
    assert result.matched is False
    assert result.failures == ("category",)


def test_area_falls_back_to_the_pros_areas_when_the_service_lists_none():
    assert check(make_service(), make_job(area="M4C"), pro_areas=["M5V", "M4C"]).matched
    assert check(make_service(), make_job(area="M6J"), pro_areas=["M5V", "M4C"]).failures == ("area",)


def test_service_areas_replace_the_pros_areas():
    service = make_service(condition_areas=["M6J"])
    assert check(service, make_job(area="M6J"), pro_areas=["M5V"]).matched
    assert check(service, make_job(area="M5V"), pro_areas=["M5V"]).failures == ("area",)


def test_a_request_without_a_budget_fails_a_service_that_sets_one():
    assert check(make_service(condition_budget_min=100), make_job()).failures == ("budget",)
    assert check(make_service(condition_budget_max=100), make_job()).failures == ("budget",)


def test_a_request_without_a_start_date_holds_whatever_the_lead_time():
    assert check(make_service(condition_lead_time_days=30), make_job(start_date=None)).matched


def test_a_missing_answer_fails_the_attribute_and_unnamed_attributes_are_open():
    service = make_service(condition_attributes={"rooms": ["1", "2"]})
    assert check(service, make_job(answers={"colour": "red"})).failures == ("attribute:rooms",)
    assert check(service, make_job(answers={"rooms": "2", "colour": "red"})).matched
    assert check(service, make_job(answers={"rooms": "3"})).failures == ("attribute:rooms",)


def test_every_failing_condition_is_named_in_a_stable_order():
    service = make_service(
        category_id=2,
        condition_areas=["M6J"],
        condition_budget_min=1000,
        condition_lead_time_days=7,
        condition_attributes={"zeta": ["x"], "alpha": ["y"]},
    )
    job = make_job(budget_min=10, budget_max=20, start_date=TODAY)
    assert check(service, job).failures == (
        "category",
        "area",
        "budget",
        "start_date",
        "attribute:alpha",
        "attribute:zeta",
    )


# --- budget boundaries -------------------------------------------------------------------


@given(low=amounts, width=amounts)
def test_a_budget_exactly_equal_to_the_service_range_matches(low, width):
    high = low + width
    service = make_service(condition_budget_min=low, condition_budget_max=high)
    assert check(service, make_job(budget_min=low, budget_max=high)).matched


@given(low=amounts, width=amounts, inner_low=amounts, inner_width=amounts)
def test_a_budget_inside_the_service_range_matches(low, width, inner_low, inner_width):
    high = low + width
    job_low = low + inner_low % (width + 1)
    job_high = job_low + inner_width % (high - job_low + 1)
    service = make_service(condition_budget_min=low, condition_budget_max=high)
    assert check(service, make_job(budget_min=job_low, budget_max=job_high)).matched


@given(low=st.integers(min_value=1, max_value=10**9), width=amounts, job_width=amounts)
def test_a_budget_starting_one_unit_below_the_minimum_fails(low, width, job_width):
    service = make_service(condition_budget_min=low, condition_budget_max=low + width)
    job = make_job(budget_min=low - 1, budget_max=min(low - 1 + job_width, low + width))
    assert check(service, job).failures == ("budget",)


@given(low=amounts, width=amounts)
def test_a_budget_ending_one_unit_above_the_maximum_fails(low, width):
    high = low + width
    service = make_service(condition_budget_min=low, condition_budget_max=high)
    assert check(service, make_job(budget_min=low, budget_max=high + 1)).failures == ("budget",)


@given(minimum=amounts, job_low=amounts, job_width=amounts)
def test_a_minimum_only_service_holds_exactly_when_the_budget_starts_at_or_above_it(minimum, job_low, job_width):
    service = make_service(condition_budget_min=minimum)
    result = check(service, make_job(budget_min=job_low, budget_max=job_low + job_width))
    assert result.matched is (job_low >= minimum)


@given(maximum=amounts, job_low=amounts, job_width=amounts)
def test_a_maximum_only_service_holds_exactly_when_the_budget_ends_at_or_below_it(maximum, job_low, job_width):
    service = make_service(condition_budget_max=maximum)
    result = check(service, make_job(budget_min=job_low, budget_max=job_low + job_width))
    assert result.matched is (job_low + job_width <= maximum)


@given(low=amounts, width=amounts, value=amounts, open_end=st.sampled_from(["min", "max"]))
def test_a_one_sided_budget_is_the_single_value_it_states(low, width, value, open_end):
    high = low + width
    service = make_service(condition_budget_min=low, condition_budget_max=high)
    job = make_job(budget_min=value, budget_max=None) if open_end == "max" else make_job(budget_max=value)
    assert check(service, job).matched is (low <= value <= high)


@given(job_low=st.none() | amounts, job_high=st.none() | amounts)
def test_a_service_without_budget_conditions_accepts_any_budget(job_low, job_high):
    assert check(make_service(), make_job(budget_min=job_low, budget_max=job_high)).matched


# --- start date boundaries -----------------------------------------------------------------


@given(lead=st.integers(min_value=1, max_value=365), offset=st.integers(min_value=-400, max_value=400))
def test_a_start_date_holds_exactly_when_it_is_at_least_the_lead_time_away(lead, offset):
    service = make_service(condition_lead_time_days=lead)
    start = TODAY + datetime.timedelta(days=offset)
    result = check(service, make_job(start_date=start))
    assert result.matched is (offset >= lead)
    assert result.failures == (() if offset >= lead else ("start_date",))


@given(lead=st.integers(min_value=1, max_value=365))
def test_a_start_date_exactly_at_the_lead_time_holds_and_one_day_earlier_fails(lead):
    service = make_service(condition_lead_time_days=lead)
    boundary = TODAY + datetime.timedelta(days=lead)
    assert check(service, make_job(start_date=boundary)).matched
    assert check(service, make_job(start_date=boundary - datetime.timedelta(days=1))).failures == ("start_date",)


@given(offset=st.integers(min_value=-400, max_value=400))
def test_no_lead_time_accepts_any_start_date_even_in_the_past(offset):
    start = TODAY + datetime.timedelta(days=offset)
    assert check(make_service(condition_lead_time_days=0), make_job(start_date=start)).matched


# --- attributes and the whole rule ---------------------------------------------------------

keys = st.text(alphabet="abcdefgh", min_size=1, max_size=4)
values = st.text(alphabet="xyz123", min_size=1, max_size=3)


@given(conditions=st.dictionaries(keys, st.lists(values, min_size=1, max_size=4), max_size=4), data=st.data())
def test_attributes_match_exactly_when_every_named_answer_is_allowed(conditions, data):
    answers = data.draw(st.dictionaries(keys, values, max_size=6))
    service = make_service(condition_attributes=conditions)
    result = check(service, make_job(answers=answers))
    expected = tuple(f"attribute:{key}" for key in sorted(conditions) if answers.get(key) not in set(conditions[key]))
    assert result.failures == expected
    assert result.matched is (not expected)


@given(
    service_category=st.integers(1, 3),
    job_category=st.integers(1, 3),
    area=st.sampled_from(["M5V", "M4C", "M6J"]),
    service_areas=st.lists(st.sampled_from(["M5V", "M4C", "M6J"]), unique=True, max_size=3),
    pro_areas=st.lists(st.sampled_from(["M5V", "M4C", "M6J"]), unique=True, max_size=3),
    budget_min=st.none() | st.integers(0, 1000),
    budget_max=st.none() | st.integers(0, 1000),
    lead=st.integers(0, 30),
    start_offset=st.none() | st.integers(-10, 40),
)
def test_matched_is_true_exactly_when_no_condition_fails(
    service_category, job_category, area, service_areas, pro_areas, budget_min, budget_max, lead, start_offset
):
    assume(budget_min is None or budget_max is None or budget_min <= budget_max)
    service = make_service(
        category_id=service_category,
        condition_areas=service_areas,
        condition_budget_min=200,
        condition_budget_max=800,
        condition_lead_time_days=lead,
    )
    start = None if start_offset is None else TODAY + datetime.timedelta(days=start_offset)
    job = make_job(category_id=job_category, area=area, budget_min=budget_min, budget_max=budget_max, start_date=start)
    result = check(service, job, pro_areas=pro_areas)
    assert result.matched is (result.failures == ())
    assert ("category" in result.failures) is (service_category != job_category)
    assert ("area" in result.failures) is (area not in (service_areas or pro_areas))
    stated = [v for v in (budget_min, budget_max) if v is not None]
    assert ("budget" in result.failures) is (not stated or min(stated) < 200 or max(stated) > 800)
    late_enough = start_offset is None or lead == 0 or start_offset >= lead
    assert ("start_date" in result.failures) is (not late_enough)
