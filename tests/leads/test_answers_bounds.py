"""A quote request's answers are the category's questions, answered as each defines
(issue #12 item 8): 20,000 keys or a megabyte key were stored and bloated every pro's lead list."""

import pytest

from leads.models import QuoteRequest
from pros.models import Service
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/quote-requests/"


@pytest.fixture
def painting(marketplace):
    return CategoryFactory(
        marketplace=marketplace,
        slug="painting",
        questions=[
            {"key": "rooms", "label": "How many rooms?", "choices": ["1", "2", "3", "4+"]},
            {"key": "area_m2", "label": "Floor area", "type": "number"},
            {"key": "notes", "label": "Anything else?", "type": "text", "max_length": 20},
        ],
    )


def _post(api_client, marketplace, homeowner, painting, request_body, answers):
    return api_client(marketplace, homeowner).post(
        URL, request_body(category=painting.slug, answers=answers), format="json"
    )


def _assert_400_naming_answers(response, *words):
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert list(error["fields"]) == ["answers"], error
    message = " ".join(map(str, error["fields"]["answers"]))
    for word in words:
        assert word in message, message
    assert len(response.content) < 2000  # never echoes a huge key back
    assert not QuoteRequest.objects.exists()


def test_answers_to_the_categorys_questions_are_stored(api_client, marketplace, homeowner, painting, request_body):
    response = _post(
        api_client, marketplace, homeowner, painting, request_body, {"rooms": "2", "area_m2": "42.5", "notes": "blue"}
    )
    assert response.status_code == 201, response.json()
    assert QuoteRequest.objects.get().answers == {"rooms": "2", "area_m2": "42.5", "notes": "blue"}


def test_an_unknown_key_is_400_naming_it(api_client, marketplace, homeowner, painting, request_body):
    response = _post(api_client, marketplace, homeowner, painting, request_body, {"rooms": "2", "colour": "red"})
    _assert_400_naming_answers(response, "'colour'", "not a question")


def test_a_value_outside_the_choices_is_400(api_client, marketplace, homeowner, painting, request_body):
    _assert_400_naming_answers(
        _post(api_client, marketplace, homeowner, painting, request_body, {"rooms": "12"}), "'rooms'", "one of"
    )


def test_a_number_question_takes_only_numbers(api_client, marketplace, homeowner, painting, request_body):
    for bad in ("many", "NaN", "Infinity"):
        response = _post(api_client, marketplace, homeowner, painting, request_body, {"area_m2": bad})
        _assert_400_naming_answers(response, "'area_m2'", "number")


def test_a_text_answer_is_capped_at_its_questions_length(api_client, marketplace, homeowner, painting, request_body):
    response = _post(api_client, marketplace, homeowner, painting, request_body, {"notes": "x" * 21})
    _assert_400_naming_answers(response, "'notes'", "20 characters")


def test_twenty_thousand_keys_are_400(api_client, marketplace, homeowner, painting, request_body):
    answers = {f"k{n}": "v" for n in range(20_000)}
    _assert_400_naming_answers(_post(api_client, marketplace, homeowner, painting, request_body, answers))


def test_a_megabyte_key_is_400_without_echoing_it(api_client, marketplace, homeowner, painting, request_body):
    _assert_400_naming_answers(
        _post(api_client, marketplace, homeowner, painting, request_body, {"k" * 1_000_000: "v"})
    )


def test_a_category_without_questions_takes_no_answers(api_client, marketplace, homeowner, category, request_body):
    response = api_client(marketplace, homeowner).post(URL, request_body(answers={"job": "x"}), format="json")
    _assert_400_naming_answers(response, "'job'")


def test_service_attributes_are_bounded(api_client, marketplace, painting):
    from tests.factories import UserFactory

    pro = UserFactory(marketplace=marketplace, role="pro")
    body = {
        "category": painting.slug,
        "title": "Painting",
        "conditions": {"attributes": {f"k{n}": ["1"] for n in range(60)}},
    }
    response = api_client(marketplace, pro).post("/api/v1/pro/services/", body, format="json")
    assert response.status_code == 400 and "conditions" in response.json()["error"]["fields"]
    body["conditions"]["attributes"] = {"rooms": [str(n) for n in range(101)]}
    assert api_client(marketplace, pro).post("/api/v1/pro/services/", body, format="json").status_code == 400
    assert not Service.objects.filter(pro=pro.pro).exists()
