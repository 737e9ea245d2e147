import pytest

from tests.factories import CategoryFactory, ProAreaFactory, ProFactory, ReviewFactory, ServiceFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/pros/"


def serving(marketplace, category, area="M5V", **pro_fields):
    pro = ProFactory(marketplace=marketplace, **pro_fields)
    ProAreaFactory(marketplace=marketplace, pro=pro, area=area)
    ServiceFactory(marketplace=marketplace, pro=pro, category=category)
    return pro


def ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_list_returns_pros_serving_the_category_and_area_best_rank_first(api_client, marketplace, category):
    low = serving(marketplace, category, rank_score=1.0)
    high = serving(marketplace, category, rank_score=9.0)
    tie_more_stars = serving(marketplace, category, rank_score=5.0, star_score=80)
    tie_fewer_stars = serving(marketplace, category, rank_score=5.0, star_score=70, review_count=50)
    serving(marketplace, category, area="M4C")  # another area
    serving(marketplace, CategoryFactory(marketplace=marketplace))  # another category
    response = api_client(marketplace).get(LIST, {"category": "plumbing", "postal_code": "m5v 3l9"})
    assert ids(response) == [high.pk, tie_more_stars.pk, tie_fewer_stars.pk, low.pk]


def test_a_parent_category_lists_pros_of_its_subcategories(api_client, marketplace, category):
    child = CategoryFactory(marketplace=marketplace, parent=category, slug="drains")
    pro = serving(marketplace, child)
    assert ids(api_client(marketplace).get(LIST, {"category": category.pk, "postal_code": "M5V"})) == [pro.pk]
    assert ids(api_client(marketplace).get(LIST, {"category": "drains", "postal_code": "M5V"})) == [pro.pk]


def test_a_services_own_areas_replace_the_pros_areas(api_client, marketplace, category):
    pro = ProFactory(marketplace=marketplace)
    ProAreaFactory(marketplace=marketplace, pro=pro, area="M5V")
    ServiceFactory(marketplace=marketplace, pro=pro, category=category, condition_areas=["M6J"])
    assert ids(api_client(marketplace).get(LIST, {"category": "plumbing", "postal_code": "M6J"})) == [pro.pk]
    assert ids(api_client(marketplace).get(LIST, {"category": "plumbing", "postal_code": "M5V"})) == []


def test_suspended_paused_and_inactive_pros_are_not_listed(api_client, marketplace, category):
    serving(marketplace, category, suspended=True)
    serving(marketplace, category, paused=True)
    inactive = ProFactory(marketplace=marketplace)
    ProAreaFactory(marketplace=marketplace, pro=inactive, area="M5V")
    ServiceFactory(marketplace=marketplace, pro=inactive, category=category, is_active=False)
    assert ids(api_client(marketplace).get(LIST, {"category": "plumbing", "postal_code": "M5V"})) == []


def test_the_list_is_per_marketplace(api_client, marketplace, other_marketplace, category):
    foreign_category = CategoryFactory(marketplace=other_marketplace, slug="plumbing")
    foreign = serving(other_marketplace, foreign_category, area="106")
    ours = serving(marketplace, category)
    assert ids(api_client(marketplace).get(LIST)) == [ours.pk]
    assert ids(api_client(other_marketplace).get(LIST, {"category": "plumbing", "postal_code": "10617"})) == [
        foreign.pk
    ]
    assert api_client(marketplace).get(f"{LIST}{foreign.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"category": "123456"}, "category"),
        ({"postal_code": "10617"}, "postal_code"),
        ({"postal_code": "ZZZ"}, "postal_code"),
    ],
)
def test_bad_filters_are_400_naming_the_field(api_client, marketplace, category, params, field):
    response = api_client(marketplace).get(LIST, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert response.json()["error"]["message"]


def test_payloads_never_contain_phone_or_website_and_only_members_show_them(api_client, marketplace, category):
    member = serving(
        marketplace, category, tier="brand_builder", phone="+1 416 555 0101", website="https://m.example", rank_score=2
    )
    basic = serving(marketplace, category, phone="+1 416 555 0102", website="https://b.example", rank_score=1)
    response = api_client(marketplace).get(LIST, {"category": "plumbing", "postal_code": "M5V"})
    rows = {row["id"]: row for row in response.json()["results"]}
    text = response.content.decode()
    assert "555 0101" not in text and "m.example" not in text and "b.example" not in text
    assert rows[member.pk]["has_phone"] is True
    # Absolute tracked links that need no header (issue 14): they sign the marketplace and pro.
    assert rows[member.pk]["phone_url"].startswith("http://testserver/api/v1/links/phone/")
    assert rows[member.pk]["website_url"].startswith("http://testserver/api/v1/links/website/")
    assert "brand_builder" in rows[member.pk]["badges"]
    assert (rows[basic.pk]["has_phone"], rows[basic.pk]["has_website"], rows[basic.pk]["phone_url"]) == (
        False,
        False,
        None,
    )
    detail = api_client(marketplace).get(f"{LIST}{member.pk}/").content.decode()
    assert "555 0101" not in detail and "m.example" not in detail


def test_where_contact_display_is_open_to_all_basic_pros_show_it_too(api_client, marketplace, category):
    marketplace.policy.members_only_contact_display = False
    marketplace.policy.save()
    basic = serving(marketplace, category, phone="+1 416 555 0102")
    row = api_client(marketplace).get(LIST).json()["results"][0]
    assert (row["id"], row["has_phone"], row["has_website"]) == (basic.pk, True, False)


def test_detail_shows_services_areas_and_recent_reviews(api_client, marketplace, category):
    pro = serving(marketplace, category)
    ServiceFactory(marketplace=marketplace, pro=pro, is_active=False)
    ReviewFactory(marketplace=marketplace, pro=pro, rating=4, comment="Tidy work.")
    body = api_client(marketplace).get(f"{LIST}{pro.pk}/").json()
    assert body["areas"] == ["M5V"]
    assert [service["category"] for service in body["services"]] == [category.pk]
    assert "conditions" not in body["services"][0]
    assert [(r["rating"], r["comment"]) for r in body["reviews"]] == [(4, "Tidy work.")]


def test_a_suspended_pro_has_no_public_profile_but_a_paused_one_does(api_client, marketplace, category):
    suspended = serving(marketplace, category, suspended=True)
    paused = serving(marketplace, category, paused=True)
    assert api_client(marketplace).get(f"{LIST}{suspended.pk}/").status_code == 404
    response = api_client(marketplace).get(f"{LIST}{paused.pk}/")
    assert response.status_code == 200
    assert response.json()["paused"] is True


@pytest.mark.parametrize("count", [3, 40])
def test_list_query_count_does_not_grow_with_the_page(
    api_client, marketplace, category, django_assert_max_num_queries, count
):
    for index in range(count):
        serving(
            marketplace, category, rank_score=index, tier="brand_builder" if index % 2 else "basic", phone="1234567"
        )
    client = api_client(marketplace)
    with django_assert_max_num_queries(5):
        response = client.get(LIST, {"category": "plumbing", "postal_code": "M5V", "page_size": 100})
    assert len(response.json()["results"]) == count


def test_detail_query_count_does_not_grow_with_services_and_reviews(
    api_client, marketplace, category, django_assert_max_num_queries
):
    pro = serving(marketplace, category)
    for _ in range(8):
        ServiceFactory(marketplace=marketplace, pro=pro)
        ReviewFactory(marketplace=marketplace, pro=pro)
    with django_assert_max_num_queries(6):
        body = api_client(marketplace).get(f"{LIST}{pro.pk}/").json()
    assert len(body["services"]) == 9
    assert len(body["reviews"]) == 8


def test_categories_are_listed_per_marketplace_with_their_parent(api_client, marketplace, other_marketplace, category):
    child = CategoryFactory(marketplace=marketplace, parent=category, slug="drains", name="Drains")
    CategoryFactory(marketplace=other_marketplace, slug="plumbing")
    CategoryFactory(marketplace=marketplace, slug="retired", is_active=False)
    rows = api_client(marketplace).get("/api/v1/categories/").json()["results"]
    assert [(row["slug"], row["parent"]) for row in rows] == [("plumbing", None), ("drains", category.pk)]
    assert rows[0]["questions"][0]["key"] == "job"
    assert child.pk == rows[1]["id"]
