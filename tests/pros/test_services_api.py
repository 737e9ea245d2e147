import pytest

from pros.models import Service
from tests.factories import CategoryFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/pro/services/"

AUTO_QUOTE = {"price_min": 15000, "price_max": 30000, "message": "We can come on Tuesday."}


def test_a_pro_creates_a_service_by_category_slug_with_conditions(api_client, marketplace, pro_user, category):
    response = api_client(marketplace, pro_user).post(
        URL,
        {
            "category": "plumbing",
            "title": "Leak repair",
            "price_min": 10000,
            "price_max": 40000,
            "conditions": {
                "areas": ["m4c 1a1", "M5V"],
                "budget_min": 5000,
                "budget_max": 100000,
                "lead_time_days": 2,
                "attributes": {"job": ["repair"]},
            },
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["category"] == category.pk
    assert body["conditions"] == {
        "areas": ["M4C", "M5V"],
        "budget_min": 5000,
        "budget_max": 100000,
        "lead_time_days": 2,
        "attributes": {"job": ["repair"]},
    }
    assert body["auto_quote"] is None
    service = Service.objects.get(pk=body["id"])
    assert (service.pro_id, service.marketplace_id) == (pro_user.pro_id, marketplace.pk)


def test_category_by_id_and_empty_areas_default_to_the_pros(api_client, marketplace, pro_user, category):
    body = api_client(marketplace, pro_user).post(URL, {"category": category.pk, "title": "Drains"}).json()
    assert body["conditions"]["areas"] == []
    assert body["conditions"]["lead_time_days"] == 0


@pytest.mark.parametrize("value", ["no-such-slug", 999999])
def test_an_unknown_category_is_400_naming_category(api_client, marketplace, pro_user, value):
    response = api_client(marketplace, pro_user).post(URL, {"category": value, "title": "X"})
    assert response.status_code == 400
    assert "category" in response.json()["error"]["fields"]


def test_another_marketplaces_category_is_unknown(api_client, marketplace, other_marketplace, pro_user):
    foreign = CategoryFactory(marketplace=other_marketplace, slug="foreign")
    for value in (foreign.pk, "foreign"):
        response = api_client(marketplace, pro_user).post(URL, {"category": value, "title": "X"})
        assert response.status_code == 400
        assert "category" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price_min": 500, "price_max": 100}, "price"),
        ({"conditions": {"budget_min": 900, "budget_max": 100}}, "conditions.budget"),
        ({"auto_quote": {"price_min": 9, "price_max": 1, "message": "Hi"}}, "auto_quote.price"),
    ],
)
def test_ranges_must_be_ordered(api_client, marketplace, pro_user, category, body, field):
    response = api_client(marketplace, pro_user).post(URL, {"category": "plumbing", "title": "X", **body})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "range_not_ordered"
    assert field in response.json()["error"]["fields"]
    assert not Service.objects.exists()


@pytest.mark.parametrize("amount", [10.5, -1, "100", True])
def test_amounts_are_non_negative_integers_in_minor_units(api_client, marketplace, pro_user, category, amount):
    response = api_client(marketplace, pro_user).post(URL, {"category": "plumbing", "title": "X", "price_min": amount})
    assert response.status_code == 400
    assert "price_min" in response.json()["error"]["fields"]


def test_attribute_conditions_must_name_the_categorys_questions_and_choices(
    api_client, marketplace, pro_user, category
):
    client = api_client(marketplace, pro_user)
    unknown_key = client.post(URL, {"category": "plumbing", "title": "X", "conditions": {"attributes": {"x": ["1"]}}})
    assert unknown_key.status_code == 400
    bad_choice = client.post(
        URL, {"category": "plumbing", "title": "X", "conditions": {"attributes": {"job": ["demolish"]}}}
    )
    assert bad_choice.status_code == 400
    assert "conditions.attributes" in bad_choice.json()["error"]["fields"]


def test_an_invalid_condition_area_is_400(api_client, marketplace, pro_user, category):
    response = api_client(marketplace, pro_user).post(
        URL, {"category": "plumbing", "title": "X", "conditions": {"areas": ["10617"]}}
    )
    assert response.status_code == 400
    assert "conditions.areas" in response.json()["error"]["fields"]


def test_a_promotion_service_needs_an_auto_quote(api_client, marketplace, pro_user, category, enable_promotion):
    client = api_client(marketplace, pro_user)
    missing = client.post(URL, {"category": "plumbing", "title": "X", "promotion_enabled": True})
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "auto_quote_required"
    no_message = client.post(
        URL, {"category": "plumbing", "title": "X", "promotion_enabled": True, "auto_quote": {"price_min": 100}}
    )
    assert no_message.json()["error"]["code"] == "auto_quote_required"

    ok = client.post(URL, {"category": "plumbing", "title": "X", "promotion_enabled": True, "auto_quote": AUTO_QUOTE})
    assert ok.status_code == 201, ok.json()
    assert ok.json()["auto_quote"] == AUTO_QUOTE
    # Removing the auto-quote of a promotion service is refused too.
    removed = client.patch(f"{URL}{ok.json()['id']}/", {"auto_quote": None})
    assert removed.status_code == 400
    assert removed.json()["error"]["code"] == "auto_quote_required"


def test_promotion_is_refused_where_the_marketplace_has_no_promotion_service(
    api_client, marketplace, pro_user, category
):
    response = api_client(marketplace, pro_user).post(
        URL, {"category": "plumbing", "title": "X", "promotion_enabled": True, "auto_quote": AUTO_QUOTE}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "promotion_not_available"


def test_one_service_per_category_is_409(api_client, marketplace, pro_user, category):
    client = api_client(marketplace, pro_user)
    assert client.post(URL, {"category": "plumbing", "title": "A"}).status_code == 201
    again = client.post(URL, {"category": "plumbing", "title": "B"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "service_exists"


def test_patch_changes_only_what_is_sent(api_client, marketplace, pro_user, category):
    service = ServiceFactory(marketplace=marketplace, pro=pro_user.pro, category=category, price_min=100, price_max=900)
    response = api_client(marketplace, pro_user).patch(f"{URL}{service.pk}/", {"conditions": {"lead_time_days": 5}})
    assert response.status_code == 200
    service.refresh_from_db()
    assert (service.price_min, service.price_max, service.condition_lead_time_days) == (100, 900, 5)
    bad = api_client(marketplace, pro_user).patch(f"{URL}{service.pk}/", {"price_min": 1000})
    assert bad.status_code == 400


def test_a_pro_never_sees_or_edits_another_pros_service(api_client, marketplace, pro_user, category):
    theirs = ServiceFactory(marketplace=marketplace, category=category)
    client = api_client(marketplace, pro_user)
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.patch(f"{URL}{theirs.pk}/", {"title": "Mine now"}).status_code == 404
    assert client.delete(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(URL).json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.title != "Mine now"


def test_delete_removes_the_service_and_updates_completeness(api_client, marketplace, pro_user, category):
    client = api_client(marketplace, pro_user)
    created = client.post(URL, {"category": "plumbing", "title": "A"}).json()
    pro = pro_user.pro
    pro.refresh_from_db()
    assert pro.completeness == 40
    assert client.delete(f"{URL}{created['id']}/").status_code == 204
    pro.refresh_from_db()
    assert pro.completeness == 20
    assert not Service.objects.exists()


def test_list_is_the_pros_own_services_newest_first(api_client, marketplace, pro_user):
    first = ServiceFactory(marketplace=marketplace, pro=pro_user.pro)
    second = ServiceFactory(marketplace=marketplace, pro=pro_user.pro)
    body = api_client(marketplace, pro_user).get(URL).json()
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk]


def test_homeowners_cannot_manage_services(api_client, marketplace, homeowner, category):
    assert api_client(marketplace, homeowner).post(URL, {"category": "plumbing", "title": "X"}).status_code == 403
    assert api_client(marketplace, UserFactory(marketplace=marketplace, role="staff")).get(URL).status_code == 403
