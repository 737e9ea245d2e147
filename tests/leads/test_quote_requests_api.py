import pytest

from leads.models import Lead, QuoteRequest
from tests.factories import CategoryFactory, LeadFactory, QuoteRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


def post(api_client, marketplace, user, body):
    return api_client(marketplace, user).post("/api/v1/quote-requests/", body, format="json")


def test_same_job_again_within_the_window_is_409_with_the_existing_id(
    api_client, marketplace, homeowner, make_pro, request_body
):
    make_pro()
    first = post(api_client, marketplace, homeowner, request_body())
    again = post(api_client, marketplace, homeowner, request_body(description="Same job, reworded"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate_request"
    assert again.json()["error"]["request_id"] == first.json()["id"]
    assert QuoteRequest.objects.count() == 1 and Lead.objects.count() == 1


def test_a_profile_request_to_another_pro_is_not_a_duplicate(
    api_client, marketplace, homeowner, make_pro, request_body
):
    pro_a, pro_b = make_pro(), make_pro()
    assert post(api_client, marketplace, homeowner, request_body(pro=pro_a.pro_id)).status_code == 201
    assert post(api_client, marketplace, homeowner, request_body(pro=pro_b.pro_id)).status_code == 201


def test_a_category_with_no_pros_creates_a_request_with_an_empty_offer_list(
    api_client, marketplace, homeowner, request_body
):
    empty = CategoryFactory(marketplace=marketplace, slug="roofing")
    response = post(api_client, marketplace, homeowner, request_body(category=empty.slug))
    assert response.status_code == 201
    assert response.json()["leads"] == [] and response.json()["offered_count"] == 0
    assert response.json()["status"] == "no_pros_available"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pro": 999999}, "pro"),
        ({"category": "no-such-category"}, "category"),
        ({"postal_code": "12345"}, "postal_code"),
        ({"budget_min": -5}, "budget_min"),
        ({"budget_min": 500, "budget_max": 100}, "budget_max"),
        ({"budget_min": "lots"}, "budget_min"),
        ({"budget_max": 10**20}, "budget_max"),  # would overflow bigint: a 400, never a 500
        ({"contact": {}}, "contact"),
    ],
)
def test_bad_input_is_400_naming_the_field(api_client, marketplace, homeowner, request_body, overrides, field):
    response = post(api_client, marketplace, homeowner, request_body(**overrides))
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not QuoteRequest.objects.exists()


def test_profile_request_to_a_pro_not_serving_the_category_or_area_is_400(
    api_client, marketplace, homeowner, make_pro, request_body
):
    other_category = CategoryFactory(marketplace=marketplace, slug="painting")
    user = make_pro(areas=("M4C",))
    wrong_area = post(api_client, marketplace, homeowner, request_body(pro=user.pro_id))
    assert wrong_area.status_code == 400 and "postal_code" in wrong_area.json()["error"]["fields"]
    wrong_category = post(
        api_client,
        marketplace,
        homeowner,
        request_body(pro=user.pro_id, category=other_category.slug, postal_code="M4C 1A1"),
    )
    assert wrong_category.status_code == 400 and "category" in wrong_category.json()["error"]["fields"]


def test_a_pro_of_another_marketplace_is_an_unknown_pro(
    api_client, marketplace, other_marketplace, homeowner, make_pro, request_body
):
    foreign = UserFactory(marketplace=other_marketplace, role="pro")
    response = post(api_client, marketplace, homeowner, request_body(pro=foreign.pro_id))
    assert response.status_code == 400 and "pro" in response.json()["error"]["fields"]


def test_cancel_withdraws_pending_leads(api_client, marketplace, homeowner, make_pro, request_body):
    make_pro(), make_pro()
    created = post(api_client, marketplace, homeowner, request_body()).json()
    response = api_client(marketplace, homeowner).post(f"/api/v1/quote-requests/{created['id']}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert {lead["status"] for lead in response.json()["leads"]} == {"withdrawn"}
    again = api_client(marketplace, homeowner).post(f"/api/v1/quote-requests/{created['id']}/cancel/")
    assert again.status_code == 409


def test_hire_marks_an_answering_pro_and_refuses_others(api_client, marketplace, homeowner):
    request = QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner)
    answered = LeadFactory(marketplace=marketplace, request=request, status="accepted")
    silent = LeadFactory(marketplace=marketplace, request=request)
    client = api_client(marketplace, homeowner)
    refused = client.post(f"/api/v1/quote-requests/{request.pk}/hire/", {"pro": silent.pro_id}, format="json")
    assert refused.status_code == 400 and "pro" in refused.json()["error"]["fields"]
    hired = client.post(f"/api/v1/quote-requests/{request.pk}/hire/", {"pro": answered.pro_id}, format="json")
    assert hired.status_code == 200
    assert hired.json()["hired_pro"] == answered.pro_id
    assert Lead.objects.get(pk=silent.pk).status == "withdrawn"


def test_another_homeowners_request_is_404(api_client, marketplace, homeowner):
    theirs = QuoteRequestFactory(marketplace=marketplace)
    client = api_client(marketplace, homeowner)
    assert client.get(f"/api/v1/quote-requests/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/quote-requests/{theirs.pk}/cancel/").status_code == 404


def test_request_list_shows_only_mine_newest_first_in_few_queries(
    api_client, marketplace, homeowner, django_assert_max_num_queries
):
    mine = [QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner) for _ in range(3)]
    for request in mine:
        LeadFactory.create_batch(2, marketplace=marketplace, request=request)
    QuoteRequestFactory(marketplace=marketplace)
    client = api_client(marketplace, homeowner)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/quote-requests/")
    assert [row["id"] for row in response.json()["results"]] == [r.pk for r in reversed(mine)]
    assert all(len(row["leads"]) == 2 for row in response.json()["results"])


def test_creating_requests_is_throttled(api_client, marketplace, homeowner, request_body, settings):
    from rest_framework.settings import api_settings

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "quote_requests": "2/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    categories = [CategoryFactory(marketplace=marketplace) for _ in range(3)]
    codes = [post(api_client, marketplace, homeowner, request_body(category=c.slug)).status_code for c in categories]
    assert codes == [201, 201, 429]
