"""The public and staff pro lists count at most the cap, in the list's own order, and say
whether the count is exact; pages stop at the cap."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.api.pagination import CappedCountPagination
from tests.factories import ProFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/pros/"


@pytest.fixture
def cap_of_four(monkeypatch):
    monkeypatch.setattr(CappedCountPagination, "count_cap", 4)


@pytest.fixture
def listed(marketplace, category):
    pros = [ProFactory(marketplace=marketplace, rank_score=float(10 - i)) for i in range(6)]
    for pro in pros:
        ServiceFactory(marketplace=marketplace, pro=pro, category=category)
    return pros


def test_under_the_cap_the_count_is_exact(api_client, marketplace, listed):
    body = api_client(marketplace).get(LIST).json()
    assert (body["count"], body["count_is_exact"]) == (6, True)
    assert list(body) == ["count", "count_is_exact", "next", "previous", "results"]


def test_past_the_cap_the_count_reads_the_cap_and_says_it_is_not_exact(api_client, marketplace, listed, cap_of_four):
    client = api_client(marketplace)
    first = client.get(LIST, {"page_size": 2}).json()
    assert (first["count"], first["count_is_exact"]) == (4, False)
    assert [row["id"] for row in first["results"]] == [listed[0].pk, listed[1].pk]
    second = client.get(LIST, {"page_size": 2, "page": 2}).json()
    assert [row["id"] for row in second["results"]] == [listed[2].pk, listed[3].pk]
    assert second["next"] is None
    beyond = client.get(LIST, {"page_size": 2, "page": 3})
    assert beyond.status_code == 404
    assert "error" in beyond.json()


def test_a_filter_narrowing_the_list_under_the_cap_counts_exactly(api_client, marketplace, listed, cap_of_four):
    for pro in listed[1:]:
        pro.paused = True
        pro.save()
    body = api_client(marketplace).get(LIST).json()
    assert (body["count"], body["count_is_exact"]) == (1, True)


def test_the_count_reads_the_list_in_rank_order_and_stops_after_the_cap(api_client, marketplace, listed, cap_of_four):
    with CaptureQueriesContext(connection) as queries:
        api_client(marketplace).get(LIST)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    assert "LIMIT 5" in counts[0]
    assert "ORDER BY" in counts[0]


def test_the_staff_pro_list_is_capped_the_same_way(api_client, marketplace, listed, cap_of_four):
    staff = UserFactory(marketplace=marketplace, role="staff")
    body = api_client(marketplace, staff).get("/api/v1/staff/pros/").json()
    assert (body["count"], body["count_is_exact"]) == (4, False)
