"""Tracked links in public pro payloads work with no header: the link signs its marketplace and
pro, and following it counts one click per visitor and dedupe window, for them (issue 14)."""

import pytest
from django.test import Client

from connections.models import ConnectionEvent
from marketplace.tracked_links import tracked_link_read, tracked_link_token
from tests.connections.conftest import BROWSER_UA
from tests.factories import CategoryFactory, ProAreaFactory, ProFactory, ServiceFactory

pytestmark = pytest.mark.django_db
VISITOR = {"HTTP_USER_AGENT": BROWSER_UA, "REMOTE_ADDR": "203.0.113.10"}


def public_links(api_client, marketplace, pro) -> dict:
    body = api_client(marketplace).get(f"/api/v1/pros/{pro.pk}/").json()
    return {"website": body["website_url"], "phone": body["phone_url"]}


def test_public_payloads_carry_absolute_links_that_need_no_header(api_client, marketplace, member_pro):
    links = public_links(api_client, marketplace, member_pro)
    browser = Client()  # a browser: no X-Marketplace, no token

    website = browser.get(links["website"], **VISITOR)
    phone = browser.get(links["phone"], **VISITOR)

    assert links["website"].startswith("http://testserver/api/v1/links/website/")
    assert (website.status_code, website["Location"]) == (302, "https://pro.example.test/home")
    assert (phone.status_code, phone["Location"]) == (302, "tel:+14165550199")
    assert website["Cache-Control"] == "no-store"
    events = ConnectionEvent.objects.order_by("kind")
    assert [(e.marketplace_id, e.pro_id, e.kind) for e in events] == [
        (marketplace.pk, member_pro.pk, "phone_click"),
        (marketplace.pk, member_pro.pk, "website_click"),
    ]


def test_a_link_counts_one_click_per_visitor_and_window(api_client, marketplace, member_pro):
    link = public_links(api_client, marketplace, member_pro)["website"]
    browser = Client()

    for _ in range(3):
        assert browser.get(link, **VISITOR).status_code == 302
    browser.get(link, HTTP_USER_AGENT=BROWSER_UA, REMOTE_ADDR="198.51.100.7")

    assert ConnectionEvent.objects.filter(kind="website_click").count() == 2


def test_the_link_names_its_marketplace_whatever_header_or_host_the_visitor_sends(
    api_client, marketplace, other_marketplace, member_pro
):
    link = public_links(api_client, marketplace, member_pro)["website"]

    response = Client().get(link, HTTP_X_MARKETPLACE=other_marketplace.slug, **VISITOR)

    assert response.status_code == 302
    assert ConnectionEvent.objects.get().marketplace_id == marketplace.pk


@pytest.mark.parametrize("tamper", ["pro", "kind", "signature"])
def test_a_tampered_link_is_404_and_counts_nothing(marketplace, member_pro, tamper):
    other = ProFactory(marketplace=marketplace, tier="brand_builder", website="https://other.example.test/")
    token = tracked_link_token(marketplace_id=marketplace.pk, pro_id=member_pro.pk, kind="website")
    if tamper == "pro":  # someone else's pro under this signature
        forged = tracked_link_token(marketplace_id=marketplace.pk, pro_id=other.pk, kind="website")
        token = forged.split(":", 1)[0] + ":" + token.split(":", 1)[1]
    elif tamper == "signature":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    path = f"/api/v1/links/{'phone' if tamper == 'kind' else 'website'}/{token}/"

    response = Client().get(path, **VISITOR)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not ConnectionEvent.objects.exists()


def test_a_link_stops_working_when_the_pro_may_no_longer_show_contact_details(api_client, marketplace, member_pro):
    link = public_links(api_client, marketplace, member_pro)["website"]
    member_pro.tier = "basic"
    member_pro.save()

    assert Client().get(link, **VISITOR).status_code == 404
    assert not ConnectionEvent.objects.exists()


def test_tokens_sign_marketplace_pro_and_kind():
    token = tracked_link_token(marketplace_id=3, pro_id=7, kind="phone")
    assert tracked_link_read(token, kind="phone").pro_id == 7
    assert tracked_link_read(token, kind="website") is None
    assert tracked_link_read("garbage", kind="phone") is None


def test_public_services_show_their_public_conditions_and_nothing_private(api_client, marketplace, member_pro):
    category = CategoryFactory(marketplace=marketplace, slug="roofing")
    ProAreaFactory(marketplace=marketplace, pro=member_pro, area="M5V")
    ServiceFactory(
        marketplace=marketplace,
        pro=member_pro,
        category=category,
        condition_areas=["M5V"],
        condition_budget_min=50000,
        condition_budget_max=900000,
        condition_lead_time_days=3,
        condition_attributes={"roof": ["flat"]},
        auto_quote_message="Secret pitch",
    )

    body = api_client(marketplace).get(f"/api/v1/pros/{member_pro.pk}/").json()

    assert body["services"][0]["public_conditions"] == {
        "areas": ["M5V"],
        "budget_min": 50000,
        "budget_max": 900000,
        "lead_time_days": 3,
    }
    assert "Secret pitch" not in str(body) and "flat" not in str(body)
