"""CSV exports of the pro's leads and ledger: complete, own rows only, spreadsheet-safe, bounded."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.disputes import dispute_approve, dispute_open
from leads.models import Lead, QuoteRequest
from tests.factories import LeadFactory, QuoteRequestFactory, UserFactory

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/pro/leads/export.csv"
STATEMENT = "/api/v1/pro/billing/statement.csv"


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="')
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def played(api_client, marketplace, make_pro, request_body):
    """Two homeowner requests reach the pro: it accepts one (a 25.00 matched fee) and rejects the other."""
    pro_user = make_pro()
    tricky = request_body(description='=HYPERLINK("http://evil.test") fix my tap')
    tricky["contact"] = {"name": "@Pat", "phone": "+1 416 555 0100", "email": "pat@example.test"}
    plain = request_body(description="Replace a shut-off valve")
    created = []
    for body in (tricky, plain):
        homeowner = UserFactory(marketplace=marketplace, role="homeowner")
        response = api_client(marketplace, homeowner).post("/api/v1/quote-requests/", body, format="json")
        assert response.status_code == 201, response.json()
        created.append(Lead.objects.get(request_id=response.json()["id"], pro=pro_user.pro).pk)
    accepted, rejected = created
    pro = api_client(marketplace, pro_user)
    assert pro.post(f"/api/v1/pro/leads/{accepted}/accept/", {"price": 15000}, format="json").status_code == 200
    assert pro.post(f"/api/v1/pro/leads/{rejected}/reject/", {"reason": "booked"}, format="json").status_code == 200
    return pro_user, pro, accepted, rejected


def test_the_lead_export_lists_each_lead_with_its_fee_and_the_contact_only_once_paid(played):
    pro_user, pro, accepted, rejected = played
    exported = {int(row["lead_id"]): row for row in rows(pro.get(LEADS))}
    assert set(exported) == {accepted, rejected}
    paid, free = exported[accepted], exported[rejected]
    assert (paid["status"], paid["fee"], paid["fee_minor_units"], paid["currency"]) == (
        "accepted",
        "25.00",
        "2500",
        "CAD",
    )
    assert (paid["quote_price_min"], paid["contact_email"], paid["hired"]) == ("150.00", "pat@example.test", "no")
    assert paid["received_at"].endswith(("-05:00", "-04:00"))  # Toronto local time, with its offset
    assert free["status"] == "rejected" and free["contact_name"] == free["contact_phone"] == ""


def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralised(played):
    _, pro, accepted, _ = played
    (paid,) = [row for row in rows(pro.get(LEADS)) if int(row["lead_id"]) == accepted]
    assert paid["description"].startswith("'=HYPERLINK")
    assert paid["contact_name"] == "'@Pat" and paid["contact_phone"] == "'+1 416 555 0100"


def test_the_lead_export_filters_like_the_inbox(played):
    _, pro, accepted, rejected = played
    assert [int(row["lead_id"]) for row in rows(pro.get(f"{LEADS}?status=rejected"))] == [rejected]
    assert rows(pro.get(f"{LEADS}?kind=promotion")) == []


def test_the_statement_has_the_charge_and_the_refund_of_an_approved_dispute(played, marketplace):
    pro_user, pro, accepted, _ = played
    lead = Lead.objects.get(pk=accepted)
    staff = UserFactory(marketplace=marketplace, role="staff")
    dispute = dispute_open(lead=lead, pro=pro_user.pro, actor=pro_user, reason="fake_contact")
    dispute_approve(dispute_id=dispute.pk, actor=staff)
    statement = rows(pro.get(STATEMENT))
    assert [(row["kind"], row["lead_id"], row["signed_amount"]) for row in statement] == [
        ("charge", str(accepted), "-25.00"),
        ("refund", str(accepted), "25.00"),
    ]
    assert sum(int(row["amount_minor_units"]) for row in statement if row["kind"] == "charge") == 2500


def test_another_pro_exports_none_of_these_rows(played, api_client, marketplace, make_pro):
    stranger = api_client(marketplace, make_pro())
    assert rows(stranger.get(LEADS)) == []
    assert rows(stranger.get(STATEMENT)) == []


def test_the_range_is_local_days_and_leads_outside_it_are_left_out(played):
    pro_user, pro, accepted, rejected = played
    Lead.objects.filter(pk=rejected).update(created_at=timezone.now() - dt.timedelta(days=200))
    assert [int(row["lead_id"]) for row in rows(pro.get(LEADS))] == [accepted]  # default: the last 90 days
    long_ago = (timezone.now() - dt.timedelta(days=200)).date()
    everything = rows(pro.get(f"{LEADS}?start={long_ago - dt.timedelta(days=1)}"))
    assert {int(row["lead_id"]) for row in everything} == {accepted, rejected}


@pytest.mark.parametrize(
    ("query", "field"),
    [("start=2026-05-02&end=2026-05-01", "end"), ("start=2024-01-01&end=2026-01-01", "start"), ("end=tomorrow", "end")],
)
@pytest.mark.parametrize("url", [LEADS, STATEMENT])
def test_a_reversed_too_long_or_malformed_range_is_400_naming_the_field(played, url, query, field):
    _, pro, _, _ = played
    response = pro.get(f"{url}?{query}")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_the_exports_read_in_a_fixed_number_of_queries(played, marketplace):
    pro_user, pro, _, _ = played
    with CaptureQueriesContext(connection) as few:
        pro.get(LEADS)
        pro.get(STATEMENT)
    for _ in range(15):
        request = QuoteRequestFactory(marketplace=marketplace)
        LeadFactory(marketplace=marketplace, request=request, pro=pro_user.pro)
    with CaptureQueriesContext(connection) as many:
        assert len(rows(pro.get(LEADS))) == 17
        pro.get(STATEMENT)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert QuoteRequest.objects.count() == 17
