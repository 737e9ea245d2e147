"""Request bodies are bounded at the parser, for every endpoint (issue #12 item 8).

100,000 nested ``[`` was a 500 ``RecursionError`` before any view ran, on anonymous
registration too. The one parser now answers 400 ``parse_error`` for nesting past its depth
limit and for bodies past ``DATA_UPLOAD_MAX_MEMORY_SIZE``, whichever endpoint reads them.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from marketplace.api.parsers import MAX_JSON_DEPTH
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


def _json(client, method, url, body):
    return getattr(client, method)(url, data=body, content_type="application/json")


def _assert_parse_error(response):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response.json()["error"]["code"] == "parse_error"


def test_a_100000_deep_body_to_anonymous_registration_is_400_parse_error(api_client, marketplace):
    _assert_parse_error(_json(api_client(marketplace), "post", "/api/v1/auth/register/", DEEP))


@pytest.mark.parametrize(
    ("role", "method", "url"),
    [
        (None, "post", "/api/v1/auth/token/"),
        (None, "post", "/api/v1/auth/token/refresh/"),
        ("homeowner", "post", "/api/v1/quote-requests/"),
        ("homeowner", "post", "/api/v1/reviews/"),
        ("pro", "patch", "/api/v1/pro/profile/"),
        ("pro", "post", "/api/v1/pro/services/"),
    ],
)
def test_a_100000_deep_body_is_400_parse_error_wherever_a_body_is_read(api_client, marketplace, role, method, url):
    user = UserFactory(marketplace=marketplace, role=role) if role else None
    _assert_parse_error(_json(api_client(marketplace, user), method, url, DEEP))


def test_nesting_just_past_the_limit_is_refused_and_at_the_limit_is_parsed(api_client, marketplace):
    client = api_client(marketplace)
    too_deep = '{"email": ' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "}"
    _assert_parse_error(_json(client, "post", "/api/v1/auth/register/", too_deep))
    at_limit = '{"email": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}"
    response = _json(client, "post", "/api/v1/auth/register/", at_limit)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"  # parsed, then validated


def test_a_body_over_the_upload_limit_is_400_parse_error(api_client, marketplace, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = '{"email": "a@b.test", "name": "' + "x" * 20_000 + '"}'
    _assert_parse_error(_json(api_client(marketplace), "post", "/api/v1/auth/register/", body))


def test_nan_is_not_json(api_client, marketplace):
    _assert_parse_error(_json(api_client(marketplace), "post", "/api/v1/auth/register/", '{"email": NaN}'))


def _routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def test_no_route_answers_a_deep_body_with_a_500(api_client, marketplace):
    """Every /api/v1/ route, every writing method, as anonymous, homeowner, pro and staff."""
    routes = sorted(
        {
            "/" + route.replace("<int:pk>", "1").replace("<str:pk>", "1").replace("^", "").replace("$", "")
            for route in _routes(get_resolver().url_patterns)
            if route.startswith("api/v1/") and "(?P" not in route
        }
    )
    assert len(routes) > 20
    users = [None, *(UserFactory(marketplace=marketplace, role=role) for role in ("homeowner", "pro", "staff"))]
    for user in users:
        client = api_client(marketplace, user)
        for url in routes:
            for method in ("post", "put", "patch"):
                response = _json(client, method, url, DEEP)
                assert response.status_code < 500, (user and user.role, method, url, response.content[:200])
                if response.status_code == 400:
                    assert response.json()["error"]["code"] in ("parse_error", "invalid_signature", "bad_request")
