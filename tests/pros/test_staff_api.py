import pytest

from pros.models import Pro
from tests.factories import ProAreaFactory, ProFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(pro=None):
    return "/api/v1/staff/pros/" if pro is None else f"/api/v1/staff/pros/{pro.pk}/"


def test_staff_change_tier_pause_and_suspension(api_client, marketplace, staff_user):
    pro = ProFactory(marketplace=marketplace)
    response = api_client(marketplace, staff_user).patch(
        url(pro), {"tier": "brand_builder", "paused": True, "suspended": True}
    )
    assert response.status_code == 200, response.json()
    pro.refresh_from_db()
    assert (pro.tier, pro.paused, pro.suspended) == ("brand_builder", True, True)
    assert response.json()["suspended"] is True


def test_staff_see_suspended_pros_and_their_contact_details(api_client, marketplace, staff_user):
    pro = ProFactory(marketplace=marketplace, suspended=True, phone="+1 416 555 0100")
    body = api_client(marketplace, staff_user).get(url(pro)).json()
    assert (body["suspended"], body["phone"]) == (True, "+1 416 555 0100")
    listed = api_client(marketplace, staff_user).get(url(), {"suspended": "true"}).json()
    assert [row["id"] for row in listed["results"]] == [pro.pk]


def test_an_unknown_tier_is_400(api_client, marketplace, staff_user):
    pro = ProFactory(marketplace=marketplace)
    response = api_client(marketplace, staff_user).patch(url(pro), {"tier": "platinum"})
    assert response.status_code == 400
    assert "tier" in response.json()["error"]["fields"]


def test_other_fields_are_not_writable_by_staff_api(api_client, marketplace, staff_user):
    pro = ProFactory(marketplace=marketplace)
    api_client(marketplace, staff_user).patch(url(pro), {"star_score": 100, "name": "Renamed"})
    pro.refresh_from_db()
    assert pro.star_score == 0
    assert pro.name != "Renamed"


def test_another_marketplaces_pro_is_404_for_staff(api_client, marketplace, other_marketplace, staff_user):
    foreign = ProFactory(marketplace=other_marketplace)
    client = api_client(marketplace, staff_user)
    assert client.get(url(foreign)).status_code == 404
    assert client.patch(url(foreign), {"suspended": True}).status_code == 404
    assert Pro.objects.get(pk=foreign.pk).suspended is False


@pytest.mark.parametrize("role", ["homeowner", "pro"])
def test_non_staff_are_refused(api_client, marketplace, role):
    pro = ProFactory(marketplace=marketplace)
    user = UserFactory(marketplace=marketplace, role=role)
    assert api_client(marketplace, user).patch(url(pro), {"tier": "brand_builder"}).status_code == 403
    assert Pro.objects.get(pk=pro.pk).tier == "basic"


def test_a_suspended_pro_leaves_the_public_list_at_once(api_client, marketplace, staff_user):
    pro = ProFactory(marketplace=marketplace)
    ProAreaFactory(marketplace=marketplace, pro=pro, area="M5V")
    ServiceFactory(marketplace=marketplace, pro=pro)
    assert api_client(marketplace).get("/api/v1/pros/", {"postal_code": "M5V"}).json()["count"] == 1
    api_client(marketplace, staff_user).patch(url(pro), {"suspended": True})
    assert api_client(marketplace).get("/api/v1/pros/", {"postal_code": "M5V"}).json()["count"] == 0


@pytest.mark.parametrize("count", [2, 30])
def test_staff_list_query_count_does_not_grow_with_the_page(
    api_client, marketplace, staff_user, django_assert_max_num_queries, count
):
    for _ in range(count):
        ProFactory(marketplace=marketplace, phone="1234567")
    client = api_client(marketplace, staff_user)
    with django_assert_max_num_queries(4):
        response = client.get(url(), {"page_size": 100})
    assert response.json()["count"] == count
