"""Issue 12, items 3 and 12: registration does not reveal accounts (one answer, an e-mail to the
address's owner), password similarity includes the user's name, and the password change and
reset endpoints revoke every token the user held."""

import re

import pytest
from django.core import mail

from marketplace.celery import app
from marketplace.models import User
from pros.models import Pro
from tests.factories import UserFactory
from tests.factories.marketplace import PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
NEW_PASSWORD = "a-brand-new-passphrase-7"


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """``with run_tasks():`` runs the on-commit work and the tasks it queues in-process, so the
    e-mails are in the outbox when the block ends."""
    app.conf.task_always_eager = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = False


def body(**overrides):
    return {"email": "sam@example.test", "password": "a-long-passphrase-1", "name": "Sam", "role": "homeowner"} | (
        overrides
    )


def bearer(client, marketplace, access):
    client.credentials(HTTP_X_MARKETPLACE=marketplace.slug, HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def login(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/token/", {"email": email, "password": password})


# --- Item 12: registration does not reveal accounts ------------------------------------------------


def test_registering_a_taken_email_answers_exactly_like_a_new_one_and_tells_the_owner(
    api_client, marketplace, run_tasks
):
    owner = UserFactory(marketplace=marketplace, email="owner@example.test", role="homeowner")
    client = api_client(marketplace)

    with run_tasks():
        new = client.post(REGISTER, body(email="new@example.test"))
    with run_tasks():
        taken = client.post(REGISTER, body(email="OWNER@example.test", role="pro", business_name="Fake Co"))

    assert new.status_code == taken.status_code == 202
    assert new.json().keys() == taken.json().keys() == {"email", "detail"}
    assert new.json()["detail"] == taken.json()["detail"]
    assert taken.json()["email"] == "owner@example.test"
    # Nothing changed for the owner, and no business was made for the would-be pro.
    owner.refresh_from_db()
    assert (owner.role, owner.check_password(PASSWORD)) == ("homeowner", True)
    assert not Pro.objects.filter(name="Fake Co").exists()
    # Each address's owner learns what happened by e-mail.
    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert "ready" in by_recipient[("new@example.test",)].body
    attempt = by_recipient[("owner@example.test",)]
    assert "already has one" in attempt.body and "uid=" in attempt.body  # with a reset link


def test_registration_with_a_weak_password_is_refused_the_same_whether_or_not_the_email_exists(api_client, marketplace):
    UserFactory(marketplace=marketplace, email="owner@example.test")
    client = api_client(marketplace)
    taken = client.post(REGISTER, body(email="owner@example.test", password="123"))
    new = client.post(REGISTER, body(email="nobody@example.test", password="123"))
    assert taken.status_code == new.status_code == 400
    assert taken.json() == new.json()


@pytest.mark.parametrize("password", ["samantha-wilkinson", "wilkinsonsamantha"])
def test_a_password_like_the_users_name_is_refused(api_client, marketplace, password):
    response = api_client(marketplace).post(REGISTER, body(name="Samantha Wilkinson", password=password))
    assert response.status_code == 400
    assert any("similar" in message for message in response.json()["error"]["fields"]["password"])
    assert not User.objects.exists()


# --- Item 3: password change and reset revoke every token -------------------------------------------


def test_a_password_change_signs_out_every_device_and_signs_this_one_in_again(api_client, marketplace, run_tasks):
    user = UserFactory(marketplace=marketplace)
    client = api_client(marketplace)
    phone = login(client, user.email).json()
    laptop = login(client, user.email).json()

    with run_tasks():
        response = bearer(api_client(marketplace), marketplace, phone["access"]).post(
            "/api/v1/auth/password/change/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        )

    assert response.status_code == 200
    fresh = response.json()
    for pair in (phone, laptop):
        assert bearer(api_client(marketplace), marketplace, pair["access"]).get("/api/v1/me/").status_code == 401
        assert client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}).status_code == 401
    assert bearer(api_client(marketplace), marketplace, fresh["access"]).get("/api/v1/me/").status_code == 200
    assert login(client, user.email, NEW_PASSWORD).status_code == 200
    assert login(client, user.email).status_code == 401
    assert [m.to for m in mail.outbox if "changed" in m.subject] == [[user.email]]


def test_a_password_change_needs_the_current_password_and_a_strong_new_one(api_client, marketplace):
    user = UserFactory(marketplace=marketplace, name="Jordan Wilkinson")
    client = api_client(marketplace, user)
    wrong = client.post("/api/v1/auth/password/change/", {"current_password": "nope", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 400
    assert "current_password" in wrong.json()["error"]["fields"]
    weak = client.post("/api/v1/auth/password/change/", {"current_password": PASSWORD, "new_password": "wilkinson1"})
    assert weak.status_code == 400
    assert "new_password" in weak.json()["error"]["fields"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and user.token_version == 0


def reset_link_params(message) -> dict:
    link = re.search(r"\S+uid=\S+", message.body).group(0)
    return dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))


def test_a_password_reset_by_email_revokes_every_token_and_its_link_works_once(api_client, marketplace, run_tasks):
    user = UserFactory(marketplace=marketplace)
    client = api_client(marketplace)
    pair = login(client, user.email).json()

    with run_tasks():
        asked = client.post("/api/v1/auth/password/reset/", {"email": user.email.upper()})
    with run_tasks():
        unknown = client.post("/api/v1/auth/password/reset/", {"email": "nobody@example.test"})
    assert asked.status_code == unknown.status_code == 202 and asked.json() == unknown.json()
    assert [m.to for m in mail.outbox] == [[user.email]]
    params = reset_link_params(mail.outbox[0])
    assert params["marketplace"] == marketplace.slug

    confirm = {"uid": params["uid"], "token": params["token"], "new_password": NEW_PASSWORD}
    assert client.post("/api/v1/auth/password/reset/confirm/", confirm).status_code == 204

    assert bearer(api_client(marketplace), marketplace, pair["access"]).get("/api/v1/me/").status_code == 401
    assert api_client(marketplace).post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}).status_code == 401
    assert login(client, user.email, NEW_PASSWORD).status_code == 200
    again = client.post("/api/v1/auth/password/reset/confirm/", {**confirm, "new_password": "yet-another-pass-99"})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "reset_token_invalid"


def test_a_reset_link_of_another_marketplace_or_a_garbage_one_is_refused(
    api_client, marketplace, other_marketplace, run_tasks
):
    user = UserFactory(marketplace=marketplace)
    with run_tasks():
        api_client(marketplace).post("/api/v1/auth/password/reset/", {"email": user.email})
    params = reset_link_params(mail.outbox[0])
    confirm = {"uid": params["uid"], "token": params["token"], "new_password": NEW_PASSWORD}
    assert api_client(other_marketplace).post("/api/v1/auth/password/reset/confirm/", confirm).status_code == 400
    for uid in ("", "!!!", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "LTE"):
        response = api_client(marketplace).post("/api/v1/auth/password/reset/confirm/", {**confirm, "uid": uid})
        assert response.status_code == 400, uid
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_admin_password_change_revokes_the_users_tokens(client, api_client, marketplace):
    staff = UserFactory(marketplace=marketplace, role="staff", email="boss@maple.test")
    user = UserFactory(marketplace=marketplace)
    pair = login(api_client(marketplace), user.email).json()
    client.force_login(staff)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    response = client.post(
        f"/admin/marketplace/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert bearer(api_client(marketplace), marketplace, pair["access"]).get("/api/v1/me/").status_code == 401
