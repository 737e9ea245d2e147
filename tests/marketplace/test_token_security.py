"""Issue 12, items 2 and 3: refresh-token rotation is single-use under races, reuse revokes the
family, and tokens die with a password change, a reset or a deactivation."""

import pytest

from marketplace.models import TokenFamily, User
from tests.factories import UserFactory
from tests.factories.marketplace import PASSWORD
from tests.threads import run_at_once

LOGIN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"


def login(client, user, password=PASSWORD) -> dict:
    response = client.post(LOGIN, {"email": user.email, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def refresh(client, token: str):
    return client.post(REFRESH, {"refresh": token})


def me(api_client, marketplace, access: str) -> int:
    client = api_client(marketplace)
    client.credentials(HTTP_X_MARKETPLACE=marketplace.slug, HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/v1/me/").status_code


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_refreshes_with_one_token_give_exactly_one_new_pair(api_client, marketplace):
    user = UserFactory(marketplace=marketplace)
    pair = login(api_client(marketplace), user)

    responses = run_at_once(lambda: refresh(api_client(marketplace), pair["refresh"]), times=4)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 401, 401, 401], [r.content for r in responses]
    for response in responses:
        if response.status_code == 401:
            assert response.json()["error"]["code"] == "token_not_valid"
    # The losers presented a spent token: reuse, so the whole sign-in is revoked, the
    # winner's new refresh token included.
    winner = next(r for r in responses if r.status_code == 200).json()
    assert refresh(api_client(marketplace), winner["refresh"]).status_code == 401
    assert TokenFamily.objects.get(user=user).revoked_reason == "reuse"


def test_reusing_a_rotated_refresh_token_revokes_every_descendant(api_client, marketplace):
    user = UserFactory(marketplace=marketplace)
    client = api_client(marketplace)
    first = login(client, user)
    second = refresh(client, first["refresh"]).json()
    third = refresh(client, second["refresh"]).json()

    replay = refresh(client, first["refresh"])  # stolen and replayed after the rotation

    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "token_not_valid"
    assert refresh(client, third["refresh"]).status_code == 401  # the live descendant is dead too
    assert refresh(client, second["refresh"]).status_code == 401


def test_reuse_revokes_only_that_sign_in_not_the_users_other_devices(api_client, marketplace):
    user = UserFactory(marketplace=marketplace)
    client = api_client(marketplace)
    phone = login(client, user)
    tablet = login(client, user)
    refresh(client, phone["refresh"])
    assert refresh(client, phone["refresh"]).status_code == 401  # reuse on the phone's family

    assert refresh(client, tablet["refresh"]).status_code == 200


def test_a_refresh_token_from_before_families_is_refused(api_client, marketplace):
    from rest_framework_simplejwt.tokens import RefreshToken

    user = UserFactory(marketplace=marketplace)
    token = RefreshToken.for_user(user)
    token["mkt"] = marketplace.pk
    response = refresh(api_client(marketplace), str(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


# --- Item 3: tokens die with the password and with deactivation --------------------------------


def test_a_password_change_revokes_every_outstanding_access_and_refresh_token(api_client, marketplace):
    user = UserFactory(marketplace=marketplace)
    client = api_client(marketplace)
    phone, laptop = login(client, user), login(client, user)
    assert me(api_client, marketplace, phone["access"]) == 200

    user = User.objects.get(pk=user.pk)
    user.set_password("a-brand-new-passphrase-7")
    user.save()

    for pair in (phone, laptop):
        assert me(api_client, marketplace, pair["access"]) == 401
        assert refresh(client, pair["refresh"]).status_code == 401
    fresh = login(client, user, password="a-brand-new-passphrase-7")
    assert me(api_client, marketplace, fresh["access"]) == 200
    assert refresh(client, fresh["refresh"]).status_code == 200


def test_deactivation_revokes_every_token_even_after_reactivation(api_client, marketplace):
    user = UserFactory(marketplace=marketplace)
    client = api_client(marketplace)
    pair = login(client, user)

    user = User.objects.get(pk=user.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.is_active = True
    user.save(update_fields=["is_active"])

    response = client.credentials(HTTP_X_MARKETPLACE=marketplace.slug, HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"
    client.credentials(HTTP_X_MARKETPLACE=marketplace.slug)
    assert refresh(client, pair["refresh"]).status_code == 401


def test_saving_a_user_without_a_password_change_or_deactivation_keeps_tokens(api_client, marketplace):
    user = UserFactory(marketplace=marketplace)
    client = api_client(marketplace)
    pair = login(client, user)
    user = User.objects.get(pk=user.pk)
    user.name = "Renamed"
    user.save()
    assert me(api_client, marketplace, pair["access"]) == 200
    assert refresh(client, pair["refresh"]).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_revocations_both_count(marketplace):
    user = UserFactory(marketplace=marketplace)
    run_at_once(lambda: User.objects.get(pk=user.pk).tokens_revoke(), times=2)
    assert User.objects.get(pk=user.pk).token_version == 2


def test_the_prune_forgets_expired_tokens_and_families_that_can_no_longer_rotate(api_client, marketplace, settings):
    import datetime as dt

    from django.utils import timezone
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from marketplace.celery import app
    from marketplace.tasks import token_records_prune

    user = UserFactory(marketplace=marketplace)
    client = api_client(marketplace)
    old = login(client, user)
    refresh(client, old["refresh"])
    TokenFamily.objects.update(rotated_at=timezone.now() - dt.timedelta(days=31))
    OutstandingToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    live = login(client, user)

    token_records_prune()

    assert TokenFamily.objects.count() == 1 and OutstandingToken.objects.count() == 1
    assert refresh(client, live["refresh"]).status_code == 200
    assert "marketplace.tasks.token_records_prune" in [e["task"] for e in app.conf.beat_schedule.values()]
