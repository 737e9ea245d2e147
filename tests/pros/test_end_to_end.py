"""From the API alone, as a mobile client would: register a pro, fill it in, find it."""

import pytest

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-passphrase-1"


def sign_in(client, email):
    token = client.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD}).json()
    client.credentials(HTTP_X_MARKETPLACE=client.marketplace.slug, HTTP_AUTHORIZATION=f"Bearer {token['access']}")
    return client


def test_a_new_pro_appears_in_the_right_list_of_its_marketplace_only(
    api_client, marketplace, other_marketplace, category
):
    client = api_client(marketplace)
    registered = client.post(
        "/api/v1/auth/register/",
        {"email": "kim@pipes.test", "password": PASSWORD, "name": "Kim", "role": "pro", "business_name": "Kim Pipes"},
    )
    assert registered.status_code == 202
    sign_in(client, "kim@pipes.test")
    assert client.patch("/api/v1/pro/profile/", {"areas": ["M4C"], "phone": "+1 416 555 0111"}).status_code == 200
    categories = api_client(marketplace).get("/api/v1/categories/").json()["results"]
    plumbing = next(row for row in categories if row["slug"] == "plumbing")
    assert client.post("/api/v1/pro/services/", {"category": plumbing["id"], "title": "Pipes"}).status_code == 201

    anonymous = api_client(marketplace)
    found = anonymous.get("/api/v1/pros/", {"category": "plumbing", "postal_code": "M4C 1B5"}).json()
    assert [row["name"] for row in found["results"]] == ["Kim Pipes"]
    assert anonymous.get("/api/v1/pros/", {"category": "plumbing", "postal_code": "M5V 3L9"}).json()["count"] == 0
    assert api_client(other_marketplace).get("/api/v1/pros/").json()["count"] == 0
    pro_id = client.get("/api/v1/me/").json()["pro"]
    detail = anonymous.get(f"/api/v1/pros/{pro_id}/").json()
    assert (detail["name"], detail["areas"], detail["has_phone"]) == ("Kim Pipes", ["M4C"], False)
    assert api_client(other_marketplace).get(f"/api/v1/pros/{pro_id}/").status_code == 404
