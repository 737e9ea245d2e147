"""Star Score formula (pros/star_score.py, documented in pros/README.md)."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from pros.star_score import HALF_LIFE_DAYS, star_score

NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.UTC)
ratings = st.integers(min_value=1, max_value=5)
ages = st.integers(min_value=0, max_value=3 * 365)


def fresh(*values):
    return [(value, NOW) for value in values]


def test_no_reviews_score_zero():
    assert star_score([], now=NOW) == 0


def test_one_five_star_review_is_not_100():
    assert star_score(fresh(5), now=NOW) == 69


def test_five_fresh_five_star_reviews_reach_the_default_threshold_and_four_do_not():
    assert star_score(fresh(5, 5, 5, 5), now=NOW) < 80
    assert star_score(fresh(5, 5, 5, 5, 5), now=NOW) >= 80


def test_a_review_a_half_life_old_counts_half():
    old = NOW - datetime.timedelta(days=HALF_LIFE_DAYS)
    # Two old 5-star reviews weigh what one fresh one does.
    assert star_score([(5, old), (5, old)], now=NOW) == star_score(fresh(5), now=NOW)


@given(st.lists(st.tuples(ratings, ages), max_size=30))
def test_score_is_always_between_0_and_100(reviews):
    pairs = [(rating, NOW - datetime.timedelta(days=age)) for rating, age in reviews]
    assert 0 <= star_score(pairs, now=NOW) <= 100


@given(st.lists(st.tuples(ratings, ages), min_size=1, max_size=30))
def test_another_five_star_review_never_lowers_the_score(reviews):
    pairs = [(rating, NOW - datetime.timedelta(days=age)) for rating, age in reviews]
    assert star_score([*pairs, (5, NOW)], now=NOW) >= star_score(pairs, now=NOW)


@given(st.lists(st.tuples(ratings, ages), min_size=1, max_size=30))
def test_another_one_star_review_never_raises_the_score(reviews):
    pairs = [(rating, NOW - datetime.timedelta(days=age)) for rating, age in reviews]
    assert star_score([*pairs, (1, NOW)], now=NOW) <= star_score(pairs, now=NOW)


@given(count=st.integers(min_value=1, max_value=40), age=st.integers(min_value=1, max_value=3 * 365))
def test_the_same_five_star_reviews_score_lower_as_they_age(count, age):
    old = NOW - datetime.timedelta(days=age)
    assert star_score([(5, old)] * count, now=NOW) <= star_score(fresh(*[5] * count), now=NOW)
    assert star_score([(5, old)] * count, now=NOW) < 100
