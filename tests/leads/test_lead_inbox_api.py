"""The pro's lead inbox filters by the status as read now and by kind, in a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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


def test_the_inbox_page_never_groups_the_pros_leads(api_client, inbox):
    pro_user, _ = inbox
    with CaptureQueriesContext(connection) as queries:
        api_client(pro_user.marketplace, pro_user).get("/api/v1/pro/leads/")
    grouped = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert len(grouped) == 1, grouped  # the offer counts, over the page's requests only
    assert '"leads_lead"."request_id" IN (' in grouped[0]
    assert "LIMIT" not in grouped[0]
