import datetime as dt

import pytest

from connections.charts import stacked_bar_svg
from marketplace.localtime import local_today
from tests.factories import ConnectionDailyFactory, ProFactory, UserFactory
from tests.factories.marketplace import PASSWORD

pytestmark = pytest.mark.django_db

OVERVIEW = "/admin/connections/connectiondaily/overview/"


@pytest.fixture
def staff_client(client, staff_user):
    client.post("/admin/login/?next=/admin/", {"username": staff_user.email, "password": PASSWORD})
    return client


def test_the_overview_shows_per_pro_counts_and_an_svg_chart_of_own_marketplace_only(
    staff_client, marketplace, other_marketplace
):
    today = local_today(marketplace=marketplace)
    mine = ProFactory(marketplace=marketplace, name="Maple Plumbing")
    theirs = ProFactory(marketplace=other_marketplace, name="Formosa Roofing")
    ConnectionDailyFactory(marketplace=marketplace, pro=mine, day=today, kind="phone_click", count=3)
    ConnectionDailyFactory(
        marketplace=marketplace, pro=mine, day=today - dt.timedelta(days=1), kind="profile_lead", count=2
    )
    ConnectionDailyFactory(marketplace=other_marketplace, pro=theirs, day=today, kind="phone_click", count=9)

    response = staff_client.get(OVERVIEW, {"marketplace": other_marketplace.pk})  # ignored for staff

    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "Phone click: 3</title>" in html
    assert "Maple Plumbing" in html and "<strong>5</strong>" in html
    assert "Formosa Roofing" not in html


def test_the_daily_counts_list_is_scoped_and_read_only(staff_client, marketplace, other_marketplace):
    ConnectionDailyFactory(marketplace=marketplace, pro=ProFactory(marketplace=marketplace, name="Mine"))
    ConnectionDailyFactory(marketplace=other_marketplace, pro=ProFactory(marketplace=other_marketplace, name="Theirs"))

    listing = staff_client.get("/admin/connections/connectiondaily/")

    assert listing.status_code == 200
    assert b"Mine" in listing.content and b"Theirs" not in listing.content
    assert b"Overview and chart" in listing.content
    assert staff_client.get("/admin/connections/connectiondaily/add/").status_code == 403


def test_homeowners_cannot_open_the_overview(client, marketplace):
    user = UserFactory(marketplace=marketplace, role="homeowner")
    client.force_login(user)

    assert client.get(OVERVIEW).status_code in (302, 404)


def test_the_chart_draws_a_segment_per_non_zero_count_with_a_tooltip():
    series = [
        {
            "bucket": dt.date(2026, 3, 1),
            "counts": {
                "profile_lead": 1,
                "matched_lead": 0,
                "promotion_lead": 0,
                "phone_click": 2,
                "website_click": 0,
                "exposure": 0,
            },
            "total": 3,
        },
        {
            "bucket": dt.date(2026, 3, 2),
            "counts": dict.fromkeys(
                ["profile_lead", "matched_lead", "promotion_lead", "phone_click", "website_click", "exposure"], 0
            ),
            "total": 0,
        },
    ]

    svg = str(stacked_bar_svg(series))

    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 2 + 6  # two bar segments and six legend swatches
    assert "2026-03-01 Phone click: 2" in svg


def test_attribution_text_is_escaped_in_the_admin(staff_client, marketplace):
    from tests.factories import ConnectionEventFactory

    ConnectionEventFactory(marketplace=marketplace, source="<script>alert(1)</script>")

    html = staff_client.get("/admin/connections/connectionevent/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
