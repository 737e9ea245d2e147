"""The pro's lead inbox filters by the status as read now and by kind, in a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.inbox import lead_page_for_pro, lead_row_for_pro
from leads.models import Lead
from marketplace.models import Marketplace
from tests.factories import LeadFactory, QuoteRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(make_pro):
    pro_user = make_pro()
    now = timezone.now()

    def lead(**fields):
        request = QuoteRequestFactory(marketplace=pro_user.marketplace)
        return LeadFactory(marketplace=pro_user.marketplace, request=request, pro=pro_user.pro, **fields)

    leads = {
        "in_time": lead(kind="matched", deadline=now + dt.timedelta(hours=2)),
        "overdue": lead(kind="matched", deadline=now - dt.timedelta(minutes=1)),  # not yet swept
        "new": lead(kind="new", deadline=None),
        "accepted": lead(kind="new", status="accepted"),
    }
    return pro_user, leads


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {lead["id"] for lead in response.json()["results"]}


def test_pending_means_still_answerable_and_an_overdue_lead_reads_expired(api_client, inbox):
    pro_user, leads = inbox
    client = api_client(pro_user.marketplace, pro_user)
    assert ids(client.get("/api/v1/pro/leads/?status=pending")) == {leads["in_time"].pk, leads["new"].pk}
    assert ids(client.get("/api/v1/pro/leads/?status=expired")) == {leads["overdue"].pk}
    assert ids(client.get("/api/v1/pro/leads/?status=accepted")) == {leads["accepted"].pk}
    assert ids(client.get("/api/v1/pro/leads/?kind=matched&status=pending")) == {leads["in_time"].pk}
    everything = {lead.pk for lead in leads.values()}
    assert ids(client.get("/api/v1/pro/leads/")) == ids(client.get("/api/v1/pro/leads/?status=")) == everything


def test_another_pros_leads_never_show_whatever_the_filter(api_client, inbox, make_pro):
    _, leads = inbox
    other = make_pro()
    client = api_client(other.marketplace, other)
    assert ids(client.get("/api/v1/pro/leads/?status=pending")) == set()


@pytest.mark.parametrize("query", ["status=open", "kind=profile", "status=PENDING"])
def test_an_unknown_status_or_kind_is_400_naming_the_field(api_client, inbox, query):
    pro_user, _ = inbox
    response = api_client(pro_user.marketplace, pro_user).get(f"/api/v1/pro/leads/?{query}")
    assert response.status_code == 400
    field = query.split("=")[0]
    assert response.json()["error"]["code"] == "invalid" and field in response.json()["error"]["fields"]


def test_the_filtered_inbox_reads_in_a_fixed_number_of_queries(api_client, inbox, make_pro):
    pro_user, _ = inbox
    client = api_client(pro_user.marketplace, pro_user)
    client.get("/api/v1/pro/leads/?status=pending")  # warms the cached marketplace and user
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/pro/leads/?status=pending")
    for _ in range(10):
        request = QuoteRequestFactory(marketplace=pro_user.marketplace)
        LeadFactory(marketplace=pro_user.marketplace, request=request, pro=pro_user.pro)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/pro/leads/?status=pending")
    assert response.json()["count"] == 12
    assert len(many.captured_queries) == len(few.captured_queries)


def test_each_lead_of_a_page_counts_the_pros_offered_and_accepted_on_its_own_request(api_client, inbox, make_pro):
    pro_user, leads = inbox
    marketplace = pro_user.marketplace
    shared = leads["in_time"].request
    for status in ("accepted", "accepted", "rejected"):
        LeadFactory(marketplace=marketplace, request=shared, pro=make_pro(market=marketplace).pro, status=status)
    body = api_client(marketplace, pro_user).get("/api/v1/pro/leads/?page_size=2").json()
    rows = {row["id"]: (row["offered_count"], row["accepted_count"]) for row in body["results"]}
    assert rows == {leads["accepted"].pk: (1, 1), leads["new"].pk: (1, 0)}
    page_two = api_client(marketplace, pro_user).get("/api/v1/pro/leads/?page_size=2&page=2").json()
    rows = {row["id"]: (row["offered_count"], row["accepted_count"]) for row in page_two["results"]}
    assert rows == {leads["overdue"].pk: (1, 0), leads["in_time"].pk: (4, 2)}


def test_the_inbox_page_is_one_statement_counting_offers_per_row_and_never_grouping(api_client, inbox):
    pro_user, _ = inbox
    client = api_client(pro_user.marketplace, pro_user)
    client.get("/api/v1/pro/leads/")  # warms the cached marketplace and user
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/pro/leads/").json()
    assert body["count"] == 4 and len(body["results"]) == 4
    (page,) = [q["sql"] for q in queries.captured_queries]
    assert "GROUP BY" not in page
    # The offer counts: correlated per row, over the page's requests only (the keys come first).
    assert page.count("WHERE o.request_id = l.request_id") == 2
    assert "LIMIT 20 OFFSET 0" in page


def test_a_page_past_the_end_is_404_and_the_last_page_is_counted_first(api_client, inbox):
    pro_user, leads = inbox
    client = api_client(pro_user.marketplace, pro_user)
    assert client.get("/api/v1/pro/leads/?page=2").status_code == 404
    assert client.get("/api/v1/pro/leads/?page=0").status_code == 404
    assert client.get("/api/v1/pro/leads/?page=two").status_code == 404
    body = client.get("/api/v1/pro/leads/?status=withdrawn").json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}
    last = client.get("/api/v1/pro/leads/?page_size=3&page=last").json()
    assert last["count"] == 4 and len(last["results"]) == 1
    assert last["previous"] == "http://testserver/api/v1/pro/leads/?page_size=3" and last["next"] is None
    assert last["results"][0]["id"] == min(lead.pk for lead in leads.values())  # the oldest


@pytest.mark.parametrize(
    ("query", "status", "page_length"),
    [
        ("page=", 200, 3),
        ("page=%202", 200, 1),  # int() reads " 2" and "+1" as Django's paginator does
        ("page=%2B1", 200, 3),
        ("page=2&page=1", 200, 3),  # the last value wins
        ("page=last", 200, 1),
        ("page=1.5", 404, None),
        ("page=2.0", 404, None),
        ("page=-1", 404, None),
        ("page=1_0", 404, None),
        ("page=100000000000000", 404, None),
        ("page=10000000000000000000000", 404, None),
        ("status=open&page=abc", 400, None),  # the filters are checked first
    ],
)
def test_odd_page_numbers_answer_as_djangos_paginator_reads_them(api_client, inbox, query, status, page_length):
    pro_user, _ = inbox
    response = api_client(pro_user.marketplace, pro_user).get(f"/api/v1/pro/leads/?page_size=3&{query}")
    assert response.status_code == status, response.json()
    if page_length is not None:
        assert response.json()["count"] == 4 and len(response.json()["results"]) == page_length


@pytest.mark.parametrize(("page_size", "length"), [("0", 4), ("abc", 4), ("1000", 4), ("2", 2)])
def test_a_page_size_out_of_bounds_falls_back_as_before(api_client, inbox, page_size, length):
    pro_user, _ = inbox
    body = api_client(pro_user.marketplace, pro_user).get(f"/api/v1/pro/leads/?page_size={page_size}").json()
    assert len(body["results"]) == length and (body["next"] is None) == (length == 4)


def test_another_pros_and_another_marketplaces_leads_never_show(api_client, inbox, make_pro, other_marketplace):
    """Isolation: the statement is scoped to the marketplace and the member's pro, down to a lead
    of another pro on the same request."""
    pro_user, leads = inbox
    marketplace = pro_user.marketplace
    rival_user = make_pro()
    rival = rival_user.pro
    on_shared = LeadFactory(marketplace=marketplace, request=leads["in_time"].request, pro=rival, status="accepted")
    elsewhere = LeadFactory(marketplace=other_marketplace)
    body = api_client(marketplace, pro_user).get("/api/v1/pro/leads/?page_size=100").json()
    assert {row["id"] for row in body["results"]} == {lead.pk for lead in leads.values()}
    assert body["count"] == len(leads)
    shared = next(row for row in body["results"] if row["id"] == leads["in_time"].pk)
    assert (shared["offered_count"], shared["accepted_count"]) == (2, 1)  # counted, never listed
    # The statement itself: another marketplace's id or another pro's id reads none of these.
    other = Marketplace.objects.select_related("policy").get(pk=other_marketplace.pk)
    assert lead_page_for_pro(marketplace=other, pro_id=pro_user.pro_id, limit=20, offset=0).rows == []
    assert lead_page_for_pro(marketplace=other, pro_id=elsewhere.pro_id, limit=20, offset=0).total == 1
    assert lead_row_for_pro(marketplace=marketplace, pro_id=pro_user.pro_id, lead_id=on_shared.pk) is None
    assert lead_row_for_pro(marketplace=other, pro_id=pro_user.pro_id, lead_id=leads["new"].pk) is None
    rival_body = api_client(marketplace, rival_user).get("/api/v1/pro/leads/").json()
    assert [row["id"] for row in rival_body["results"]] == [on_shared.pk]


@pytest.mark.parametrize("query", ["", "status=pending", "kind=matched&status=rejected"])
@pytest.mark.parametrize("page_size", [1, 2, 3, 4, 7, 20])
def test_pages_cut_through_equal_creation_times_in_id_order(api_client, make_pro, query, page_size):
    """The page's keys are read from the creation time of its last row on (``leads.inbox``):
    leads created at the same instant straddle page boundaries and still come newest id first,
    each once, with or without filters."""
    pro_user = make_pro()
    marketplace, now = pro_user.marketplace, timezone.now()
    for i, minutes in enumerate([0, 0, 0, 0, 1, 1, 1, 2, 2, 5, 5]):
        request = QuoteRequestFactory(marketplace=marketplace)
        lead = LeadFactory(
            marketplace=marketplace,
            request=request,
            pro=pro_user.pro,
            kind=["new", "matched"][i % 2],
            status=["pending", "rejected", "pending"][i % 3],
        )
        Lead.objects.filter(pk=lead.pk).update(created_at=now - dt.timedelta(minutes=minutes))
    filters = dict(part.split("=") for part in query.split("&") if part)
    expected = list(
        Lead.objects.filter(pro=pro_user.pro, **filters).order_by("-created_at", "-pk").values_list("pk", flat=True)
    )
    client = api_client(marketplace, pro_user)
    url, seen = f"/api/v1/pro/leads/?page_size={page_size}&{query}", []
    while url:
        body = client.get(url).json()
        assert body["count"] == len(expected)
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == expected
