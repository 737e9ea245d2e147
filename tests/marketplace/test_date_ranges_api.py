"""Every date-range endpoint answers 400 for dates at the ends of the calendar, never a 500."""

import pytest

from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

PRO_RANGES = ["/api/v1/pro/connections/", "/api/v1/pro/connections/export.csv", "/api/v1/pro/leads/export.csv"]
PRO_RANGES += ["/api/v1/pro/billing/statement.csv"]
STAFF_RANGES = ["/api/v1/staff/connections/", "/api/v1/staff/connections/export.csv"]
EDGES = ["start=0001-01-01&end=0001-01-03", "start=9999-12-29&end=9999-12-31", "start=1999-12-31&end=2000-01-02"]


@pytest.mark.parametrize("query", EDGES)
@pytest.mark.parametrize("url", PRO_RANGES + STAFF_RANGES)
def test_dates_outside_the_calendar_are_400_naming_the_field(api_client, marketplace, url, query):
    role = "staff" if "/staff/" in url else "pro"
    response = api_client(marketplace, UserFactory(marketplace=marketplace, role=role)).get(f"{url}?{query}")
    assert response.status_code == 400, response.content
    assert "start" in response.json()["error"]["fields"]


@pytest.mark.parametrize("url", PRO_RANGES)
def test_the_first_and_last_days_of_the_calendar_are_fine(api_client, marketplace, url):
    client = api_client(marketplace, UserFactory(marketplace=marketplace, role="pro"))
    assert client.get(f"{url}?start=2000-01-01&end=2000-01-31").status_code == 200
    assert client.get(f"{url}?start=2100-12-01&end=2100-12-31").status_code == 200


def test_a_job_start_date_in_year_9999_is_400(api_client, marketplace):
    homeowner = UserFactory(marketplace=marketplace, role="homeowner")
    category = CategoryFactory(marketplace=marketplace)
    body = {"category": category.slug, "postal_code": "M5V 3L9", "description": "d", "start_date": "9999-12-31"}
    body["contact"] = {"name": "Pat", "phone": "+1 416 555 0100"}
    response = api_client(marketplace, homeowner).post("/api/v1/quote-requests/", body, format="json")
    assert response.status_code == 400
    assert "start_date" in response.json()["error"]["fields"]
