import pytest

from tests.factories import CategoryFactory, ProAreaFactory, ProFactory, ReviewFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "factory"),
    [
        ("pro", ProFactory),
        ("service", ServiceFactory),
        ("review", ReviewFactory),
        ("category", CategoryFactory),
    ],
)
def test_staff_admin_lists_only_their_marketplaces_rows(client, marketplace, other_marketplace, model, factory):
    staff = UserFactory(marketplace=marketplace, role="staff")
    ours = factory(marketplace=marketplace)
    theirs = factory(marketplace=other_marketplace)
    client.force_login(staff)
    response = client.get(f"/admin/pros/{model}/")
    assert response.status_code == 200
    object_ids = {obj.pk for obj in response.context["cl"].result_list}
    assert ours.pk in object_ids and theirs.pk not in object_ids
    assert client.get(f"/admin/pros/{model}/{ours.pk}/change/").status_code == 200
    assert client.get(f"/admin/pros/{model}/{theirs.pk}/change/").status_code in (302, 404)


def test_staff_search_pros_by_area(client, marketplace):
    staff = UserFactory(marketplace=marketplace, role="staff")
    pro = ProFactory(marketplace=marketplace, name="Area Search Co")
    ProAreaFactory(marketplace=marketplace, pro=pro, area="M6J")
    ProAreaFactory(marketplace=marketplace, pro=pro, area="M6K")
    ProFactory(marketplace=marketplace)
    client.force_login(staff)
    response = client.get("/admin/pros/pro/", {"q": "M6"})
    assert [obj.pk for obj in response.context["cl"].result_list] == [pro.pk]
