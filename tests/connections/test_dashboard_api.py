import csv
import datetime as dt
import io

import pytest

from billing.models import LedgerEntry
from connections.models import ConnectionSettings
from leads.models import Lead
from tests.factories import (
    ChargeFactory,
    ConnectionDailyFactory,
    ConnectionEventFactory,
    LeadFactory,
    ProFactory,
    QuoteRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/pro/connections/"


def daily(pro, day, kind, count, source=""):
    return ConnectionDailyFactory(marketplace=pro.marketplace, pro=pro, day=day, kind=kind, count=count, source=source)


def test_the_pro_sees_daily_counts_totals_and_sources_from_the_rollups(api_client, marketplace, member_pro, pro_user):
    daily(member_pro, dt.date(2026, 3, 1), "phone_click", 2)
    daily(member_pro, dt.date(2026, 3, 1), "phone_click", 1, source="flyer")
    daily(member_pro, dt.date(2026, 3, 3), "profile_lead", 4)
    daily(ProFactory(marketplace=marketplace), dt.date(2026, 3, 1), "phone_click", 50)  # someone else's
    ConnectionEventFactory(marketplace=marketplace, pro=member_pro)  # raw, not rolled up: not read

    response = api_client(marketplace, pro_user).get(URL, {"start": "2026-03-01", "end": "2026-03-03"})

    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "America/Toronto"
    assert [point["bucket"] for point in body["series"]] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert [point["total"] for point in body["series"]] == [3, 0, 4]
    assert body["series"][0]["counts"]["phone_click"] == 3
    assert body["totals"]["phone_click"] == 3 and body["totals"]["profile_lead"] == 4 and body["totals"]["all"] == 7
    assert body["sources"] == [
        {
            "source": "",
            "counts": {**dict.fromkeys(body["totals"].keys() - {"all"}, 0), "phone_click": 2, "profile_lead": 4},
            "total": 6,
        },
        {
            "source": "flyer",
            "counts": {**dict.fromkeys(body["totals"].keys() - {"all"}, 0), "phone_click": 1},
            "total": 1,
        },
    ]


def test_change_is_against_the_period_of_the_same_length_just_before(api_client, marketplace, member_pro, pro_user):
    daily(member_pro, dt.date(2026, 2, 26), "website_click", 4)  # previous period: Feb 25-27
    daily(member_pro, dt.date(2026, 2, 24), "website_click", 100)  # outside both
    daily(member_pro, dt.date(2026, 2, 28), "website_click", 6)
    daily(member_pro, dt.date(2026, 3, 1), "matched_lead", 1)

    body = api_client(marketplace, pro_user).get(URL, {"start": "2026-02-28", "end": "2026-03-02"}).json()

    assert (body["previous_start"], body["previous_end"]) == ("2026-02-25", "2026-02-27")
    assert body["change"]["website_click"] == {"current": 6, "previous": 4, "absolute": 2, "percent": 50.0}
    assert body["change"]["matched_lead"] == {"current": 1, "previous": 0, "absolute": 1, "percent": None}
    assert body["change"]["all"]["absolute"] == 3


def test_weeks_start_on_monday_and_months_on_the_first_local_day(api_client, marketplace, member_pro, pro_user):
    daily(member_pro, dt.date(2026, 3, 1), "phone_click", 1)  # a Sunday: the week of Feb 23
    daily(member_pro, dt.date(2026, 3, 2), "phone_click", 2)  # a Monday: a new week
    daily(member_pro, dt.date(2026, 3, 31), "phone_click", 4)
    daily(member_pro, dt.date(2026, 4, 1), "phone_click", 8)
    client = api_client(marketplace, pro_user)

    weeks = client.get(URL, {"start": "2026-03-01", "end": "2026-03-08", "bucket": "week"}).json()["series"]
    months = client.get(URL, {"start": "2026-03-01", "end": "2026-04-01", "bucket": "month"}).json()["series"]

    assert [(p["bucket"], p["total"]) for p in weeks] == [("2026-02-23", 1), ("2026-03-02", 2)]
    assert [(p["bucket"], p["total"]) for p in months] == [("2026-03-01", 7), ("2026-04-01", 8)]


def test_an_event_just_before_local_midnight_is_counted_on_that_local_day(
    api_client, marketplace, member_pro, pro_user
):
    from connections.services import connection_rollup

    # 2026-03-02 04:30 UTC is 23:30 on March 1 in Toronto.
    ConnectionEventFactory(
        marketplace=marketplace, pro=member_pro, occurred_at=dt.datetime(2026, 3, 2, 4, 30, tzinfo=dt.UTC)
    )
    connection_rollup(
        marketplace=marketplace,
        start_day=dt.date(2026, 3, 1),
        end_day=dt.date(2026, 3, 2),
        now=dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC),
    )

    body = api_client(marketplace, pro_user).get(URL, {"start": "2026-03-01", "end": "2026-03-02"}).json()

    assert [(p["bucket"], p["total"]) for p in body["series"]] == [("2026-03-01", 1), ("2026-03-02", 0)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-03-05", "end": "2026-03-01"}, "end"),
        ({"start": "2025-01-01", "end": "2026-01-02"}, "start"),  # 367 days
        ({"start": "yesterday"}, "start"),
        ({"bucket": "hour"}, "bucket"),
    ],
)
def test_bad_ranges_are_400_with_field_errors(api_client, marketplace, pro_user, params, field):
    response = api_client(marketplace, pro_user).get(URL, params)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_year_is_allowed_and_the_limit_comes_from_the_marketplace_settings(api_client, marketplace, pro_user):
    client = api_client(marketplace, pro_user)
    assert client.get(URL, {"start": "2025-01-01", "end": "2025-12-31"}).status_code == 200

    ConnectionSettings.objects.create(marketplace=marketplace, max_range_days=7)

    assert client.get(URL, {"start": "2026-03-01", "end": "2026-03-08"}).status_code == 400


def test_closed_loop_shows_spend_leads_hires_cost_per_hire_and_win_rate_per_source(
    api_client, marketplace, member_pro, pro_user
):
    def lead(kind, status, fee, hired=False):
        request = QuoteRequestFactory(marketplace=marketplace, hired_pro=member_pro if hired else None)
        created = LeadFactory(
            marketplace=marketplace, pro=member_pro, request=request, kind=kind, status=status, fee_amount=fee
        )
        Lead.objects.filter(pk=created.pk).update(created_at=dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC))
        if status == "accepted":  # paid through the ledger, as the accept flow does
            charge = ChargeFactory(marketplace=marketplace, lead=created, amount=fee)
            LedgerEntry.objects.create(
                marketplace=marketplace,
                pro=member_pro,
                lead=created,
                charge=charge,
                kind="charge",
                amount=fee,
                currency="CAD",
                idempotency_key=f"c-{created.pk}",
            )
        return created

    lead("new", "accepted", 2500, hired=True)
    refunded = lead("new", "accepted", 1500)
    LedgerEntry.objects.create(
        marketplace=marketplace,
        pro=member_pro,
        lead=refunded,
        kind="refund",
        amount=1500,
        currency="CAD",
        idempotency_key="refund-of-a-disputed-lead",
    )
    lead("new", "rejected", 2500)
    lead("matched", "accepted", 4000, hired=True)
    lead("matched", "accepted", 4000, hired=True)
    lead("promotion", "expired", 1000)
    daily(member_pro, dt.date(2026, 3, 2), "website_click", 9)

    body = api_client(marketplace, pro_user).get(URL, {"start": "2026-03-01", "end": "2026-03-03"}).json()
    loop = {row["source"]: row for row in body["closed_loop"]}

    assert loop["profile"] == {
        "source": "profile",
        "leads": 3,
        "accepted": 2,
        "hires": 1,
        "spend": {"amount": 2500, "currency": "CAD"},  # 2500 + 1500 charged, 1500 refunded
        "cost_per_hire": {"amount": 2500, "currency": "CAD"},
        "win_rate": "0.500",
    }
    assert loop["matched"]["spend"] == {"amount": 8000, "currency": "CAD"}
    assert loop["matched"]["cost_per_hire"] == {"amount": 4000, "currency": "CAD"}
    assert loop["matched"]["win_rate"] == "1.000"
    assert loop["promotion"]["spend"]["amount"] == 0 and loop["promotion"]["cost_per_hire"] is None
    assert loop["promotion"]["win_rate"] is None
    assert loop["website"]["leads"] == 9 and loop["website"]["hires"] is None
    assert list(loop) == ["profile", "matched", "promotion", "phone", "website"]


def test_the_dashboard_query_count_does_not_grow_with_data(
    api_client, marketplace, member_pro, pro_user, django_assert_max_num_queries
):
    for offset in range(60):
        daily(member_pro, dt.date(2026, 1, 1) + dt.timedelta(days=offset), "phone_click", offset)
    client = api_client(marketplace, pro_user)

    with django_assert_max_num_queries(12):
        response = client.get(URL, {"start": "2026-01-01", "end": "2026-03-01", "bucket": "week"})

    assert response.status_code == 200


def test_csv_export_has_one_row_per_bucket_and_a_column_per_kind(api_client, marketplace, member_pro, pro_user):
    daily(member_pro, dt.date(2026, 3, 2), "phone_click", 2)
    daily(member_pro, dt.date(2026, 3, 2), "exposure", 1)

    response = api_client(marketplace, pro_user).get(
        "/api/v1/pro/connections/export.csv", {"start": "2026-03-01", "end": "2026-03-02"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "bucket",
        "profile_lead",
        "matched_lead",
        "promotion_lead",
        "phone_click",
        "website_click",
        "exposure",
        "total",
    ]
    assert rows[1:] == [
        ["2026-03-01", "0", "0", "0", "0", "0", "0", "0"],
        ["2026-03-02", "0", "0", "0", "2", "0", "1", "3"],
    ]


def test_only_pro_accounts_reach_the_pro_dashboard(api_client, marketplace, homeowner):
    assert api_client(marketplace, homeowner).get(URL).status_code == 403
    assert api_client(marketplace).get(URL).status_code == 401


def test_staff_see_one_pro_and_the_whole_marketplace(api_client, marketplace, member_pro, staff_user):
    other = ProFactory(marketplace=marketplace)
    daily(member_pro, dt.date(2026, 3, 1), "phone_click", 2)
    daily(other, dt.date(2026, 3, 1), "phone_click", 5)
    client = api_client(marketplace, staff_user)
    params = {"start": "2026-03-01", "end": "2026-03-01"}

    one = client.get(f"/api/v1/staff/pros/{member_pro.pk}/connections/", params).json()
    everyone = client.get("/api/v1/staff/connections/", params).json()
    export = client.get(f"/api/v1/staff/pros/{member_pro.pk}/connections/export.csv", params)
    market_export = client.get("/api/v1/staff/connections/export.csv", params)

    assert (one["pro"], one["totals"]["phone_click"]) == (member_pro.pk, 2)
    assert (everyone["pro"], everyone["totals"]["phone_click"]) == (None, 7)
    assert export.content.decode().splitlines()[1] == "2026-03-01,0,0,0,2,0,0,2"
    assert market_export.content.decode().splitlines()[1] == "2026-03-01,0,0,0,7,0,0,7"


def test_staff_endpoints_are_staff_only_and_other_marketplaces_pros_are_404(
    api_client, marketplace, other_marketplace, member_pro, pro_user, homeowner, staff_user
):
    stranger = ProFactory(marketplace=other_marketplace)
    other_staff = UserFactory(marketplace=other_marketplace, role="staff")

    for user in (pro_user, homeowner):
        client = api_client(marketplace, user)
        assert client.get("/api/v1/staff/connections/").status_code == 403
        assert client.get(f"/api/v1/staff/pros/{member_pro.pk}/connections/").status_code == 403
    assert api_client(marketplace, staff_user).get(f"/api/v1/staff/pros/{stranger.pk}/connections/").status_code == 404
    assert (
        api_client(other_marketplace, other_staff).get(f"/api/v1/staff/pros/{member_pro.pk}/connections/").status_code
        == 404
    )
