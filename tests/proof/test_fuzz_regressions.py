"""What schema fuzzing found, pinned as plain regression tests (each failed before its fix)."""

import pytest

from tests.proof.conftest import access_token
from tests.proof.test_fuzz_schema import CHECKS, keep_test_connection, schema  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_test_connection")]


@pytest.mark.parametrize("role", ["homeowner", "staff"])
def test_me_for_a_user_without_a_pro_matches_the_schema(role, world):
    """``pro`` is null for homeowners and staff: the schema must say so (it said integer)."""
    case = schema["/api/v1/me/"]["GET"].Case()
    headers = {"X-Marketplace": "maple", "Authorization": f"Bearer {access_token(world.users[role])}"}
    response = case.call(headers=headers)
    assert response.status_code == 200 and response.json()["pro"] is None
    case.validate_response(response, checks=CHECKS)


def test_registering_a_homeowner_answers_a_body_that_matches_the_schema(world):
    case = schema["/api/v1/auth/register/"]["POST"].Case(
        body={"email": "fresh@home.test", "password": "long-enough-pass-42", "name": "Fresh", "role": "homeowner"},
        media_type="application/json",
    )
    response = case.call(headers={"X-Marketplace": "maple"})
    assert response.status_code == 202  # one answer for new and taken e-mails (issue 12, item 12)
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("category", ["³", "²", "①", "٣x"])
def test_a_category_written_with_unicode_digits_is_a_400_not_a_500(category, world, role_client):
    """``"³".isdigit()`` is true but ``int("³")`` raises: found on POST /pro/services/."""
    service = role_client("pro").post("/api/v1/pro/services/", {"category": category, "title": "Phone"}, format="json")
    assert service.status_code == 400
    assert service.json()["error"]["fields"]["category"]
    request = role_client("other_homeowner").post(
        "/api/v1/quote-requests/",
        {
            "category": category,
            "postal_code": "M5V 3L9",
            "description": "Fix it.",
            "contact": {"name": "Pat", "phone": "+1 416 555 0100", "email": "pat@example.test"},
        },
        format="json",
    )
    assert request.status_code == 400


def test_a_nul_byte_in_the_category_filter_is_a_400_not_a_500(world, role_client):
    """PostgreSQL text cannot hold NUL: the pro list filter passed it through (found by make fuzz)."""
    response = role_client("anonymous").get("/api/v1/pros/", {"category": "plumb\x00ing", "postal_code": "M5V"})
    assert response.status_code == 400
    created = role_client("pro").post("/api/v1/pro/services/", {"category": "\x00", "title": "Nul"}, format="json")
    assert created.status_code == 400
