"""The language of an answer: saved preference, else Accept-Language, else the marketplace's."""

import pytest
from django.core import mail

from leads.models import Notification
from marketplace.celery import app
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def formosa(other_marketplace):
    other_marketplace.default_language = "zh-hant"
    other_marketplace.save()
    return other_marketplace


@pytest.fixture
def formosa_category(formosa):
    return CategoryFactory(
        marketplace=formosa,
        slug="plumbing-electrical",
        name="水電工程 Plumbing & Electrical",
        translations={
            "en": {"name": "Plumbing & Electrical"},
            "fr-ca": {"name": "Plomberie et électricité"},
            "zh-hant": {"name": "水電工程"},
        },
        questions=[{"key": "job", "label": "需要什麼服務？", "choices": ["repair", "leak"]}],
    )


def _bad_request(client, **headers):
    return client.post(
        "/api/v1/quote-requests/",
        {"category": "no-such-category", "postal_code": "106", "description": "漏水"},
        **headers,
    ).json()["error"]


def test_formosa_answers_validation_errors_in_traditional_chinese_with_the_same_codes(
    api_client, formosa, formosa_category
):
    homeowner = UserFactory(marketplace=formosa, role="homeowner")
    client = api_client(formosa, homeowner)
    chinese = _bad_request(client, HTTP_ACCEPT_LANGUAGE="zh-Hant")
    by_default = _bad_request(client)  # no Accept-Language: formosa's own language
    english = _bad_request(client, HTTP_ACCEPT_LANGUAGE="en")
    assert chinese == by_default
    assert chinese["code"] == english["code"]
    assert chinese["message"] != english["message"]
    assert set(chinese["fields"]) == set(english["fields"])
    missing = client.post("/api/v1/quote-requests/", {}, HTTP_ACCEPT_LANGUAGE="zh-Hant").json()["error"]
    assert missing["code"] == "invalid"
    assert missing["message"] == "請求中有無效的欄位。"
    assert "這個欄位是必須的" in missing["fields"]["category"][0] or "必" in missing["fields"]["category"][0]


def test_accept_language_variants_and_unsupported_languages_fall_back(marketplace):
    from rest_framework.test import APIClient

    client = APIClient()
    for header, expected in [
        ("fr-CA", "Place de marché inconnue."),
        ("fr-FR,fr;q=0.9", "Place de marché inconnue."),
        ("zh-TW", "未知的平台。"),
        ("zh-Hant-TW", "未知的平台。"),
        ("de-DE", "Unknown marketplace."),  # not spoken: maple's own language, English
        ("zh-CN", "Unknown marketplace."),  # Simplified is not Traditional
    ]:
        response = client.get("/api/v1/me/", HTTP_X_MARKETPLACE="nowhere", HTTP_ACCEPT_LANGUAGE=header)
        assert response.status_code == 404
        body = response.json()["error"]
        assert body["code"] == "marketplace_not_found" and body["message"].startswith(expected), header


def test_the_users_saved_language_wins_and_me_shows_it(api_client, marketplace):
    user = UserFactory(marketplace=marketplace, role="homeowner")
    client = api_client(marketplace, user)
    saved = client.patch("/api/v1/me/", {"language": "fr-CA"})
    assert saved.status_code == 200 and saved.json()["language"] == "fr-ca"
    assert saved["Content-Language"] == "fr-ca"
    error = client.post("/api/v1/quote-requests/", {}, HTTP_ACCEPT_LANGUAGE="zh-Hant").json()["error"]
    assert error["message"] == "La requête contient des champs invalides."
    cleared = client.patch("/api/v1/me/", {"language": "klingon"})  # not spoken: no preference, no error
    assert cleared.status_code == 200 and cleared.json()["language"] == ""
    assert client.post("/api/v1/quote-requests/", {}).json()["error"]["message"] == "The request has invalid fields."


def test_category_names_and_questions_follow_the_language_with_fallback(api_client, formosa, formosa_category):
    client = api_client(formosa)
    zh = client.get("/api/v1/categories/").json()["results"][0]
    assert zh["name"] == "水電工程"
    assert zh["questions"][0]["choices"] == ["repair", "leak"]  # values never change
    fr = client.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="fr-CA").json()["results"][0]
    assert fr["name"] == "Plomberie et électricité"
    assert fr["questions"][0]["label"] == "需要什麼服務？"  # no French label: the base text
    assert fr["questions"][0]["choice_labels"] == {"repair": "repair", "leak": "leak"}


def test_the_pros_notification_is_written_in_its_language_not_the_homeowners(
    api_client, formosa, formosa_category, make_pro, django_capture_on_commit_callbacks
):
    pro_user = make_pro(market=formosa, cat=formosa_category, areas=("106",))
    homeowner = UserFactory(marketplace=formosa, role="homeowner")
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            created = api_client(formosa, homeowner).post(
                "/api/v1/quote-requests/",
                {
                    "category": formosa_category.slug,
                    "postal_code": "106",
                    "description": "廚房漏水",
                    "pro": pro_user.pro.pk,
                    "contact": {"name": "陳小姐", "phone": "0912345678"},
                },
                HTTP_ACCEPT_LANGUAGE="en",  # the homeowner reads English; the pro gets formosa's language
            )
    finally:
        app.conf.task_always_eager = False
    assert created.status_code == 201, created.json()
    notification = Notification.objects.get(pro=pro_user.pro)
    assert notification.subject == "新案件：106 的水電工程"
    assert "聯絡費" in notification.body
    assert mail.outbox[0].subject == notification.subject

    pro_user.language = "fr-ca"
    pro_user.save()
    from leads.notifications import lead_announcement, pro_notify

    subject, body = lead_announcement(notification.lead)
    pro_notify(pro=pro_user.pro, kind="lead.new", subject=subject, body=body, payload={})
    assert Notification.objects.order_by("-pk").first().subject == "Nouvelle demande : Plomberie et électricité à 106"
