"""Issue 12, item 11: API responses are never cached with credentials, vary on who asks and in
which marketplace, and the admin and the docs carry a Content-Security-Policy (django-csp).
The headless-Chromium admin test (tests/proof/test_browser_admin.py) checks that the admin,
its connections chart and Swagger UI still work under that policy."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_an_authenticated_api_answer_is_no_store_and_varies_on_token_and_marketplace(api_client, marketplace):
    response = api_client(marketplace, UserFactory(marketplace=marketplace)).get("/api/v1/me/")
    assert response.status_code == 200
    assert {"no-store", "private"} <= cache_control(response)
    assert {"authorization", "x-marketplace"} <= vary(response)


def test_an_answer_to_a_bad_token_is_no_store_too(api_client, marketplace):
    client = api_client(marketplace)
    client.credentials(HTTP_X_MARKETPLACE=marketplace.slug, HTTP_AUTHORIZATION="Bearer nope")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "no-store" in cache_control(response)


def test_a_public_answer_may_be_cached_but_varies_on_token_and_marketplace(api_client, marketplace):
    response = api_client(marketplace).get("/api/v1/categories/")
    assert response.status_code == 200
    assert "no-store" not in cache_control(response)
    assert {"authorization", "x-marketplace"} <= vary(response)


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/api/v1/categories/"])
def test_the_admin_the_docs_and_the_api_carry_a_content_security_policy(client, marketplace, path):
    response = client.get(path, HTTP_X_MARKETPLACE=marketplace.slug)
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())
    assert policy["script-src"] == "'self'"  # no inline or third-party script
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"


def test_the_docs_serve_their_init_script_as_a_file_not_inline(client):
    page = client.get("/api/docs/")
    assert b"<script>" not in page.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
