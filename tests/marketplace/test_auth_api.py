import pytest

from marketplace.models import Role, User
from pros.models import Pro
from tests.factories import UserFactory
from tests.factories.marketplace import PASSWORD

pytestmark = pytest.mark.django_db


def register(client, **overrides):
    body = {"email": "sam@example.test", "password": "a-long-passphrase-1", "name": "Sam", "role": "homeowner"}
    return client.post("/api/v1/auth/register/", {**body, **overrides}, format="json")


def test_register_homeowner_then_token_then_me(api_client, marketplace):
    client = api_client(marketplace)
    response = register(client)
    assert response.status_code == 202
    assert response.json()["email"] == "sam@example.test"

    tokens = client.post("/api/v1/auth/token/", {"email": "SAM@example.test", "password": "a-long-passphrase-1"})
    assert tokens.status_code == 200
    client.credentials(HTTP_X_MARKETPLACE="maple", HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "sam@example.test"
    assert me.json()["pro"] is None
    assert (me.json()["role"], me.json()["marketplace"]) == ("homeowner", "maple")


def test_register_pro_creates_its_business_in_the_same_marketplace(api_client, marketplace):
    response = register(api_client(marketplace), role="pro", business_name="Sam's Plumbing")
    assert response.status_code == 202
    pro = Pro.objects.get(pk=User.objects.get(email="sam@example.test").pro_id)
    assert pro.name == "Sam's Plumbing"
    assert pro.marketplace == marketplace


@pytest.mark.parametrize("role", ["staff", "platform", "admin"])
def test_register_never_creates_privileged_accounts(api_client, marketplace, role):
    response = register(api_client(marketplace), role=role)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "role" in response.json()["error"]["fields"]
    assert not User.objects.exists()


def test_register_ignores_server_owned_fields(api_client, marketplace, other_marketplace):
    response = register(api_client(marketplace), marketplace="formosa", is_staff=True, is_superuser=True)
    assert response.status_code == 202
    user = User.objects.get()
    assert (user.marketplace, user.is_staff, user.is_superuser, user.role) == (
        marketplace,
        False,
        False,
        Role.HOMEOWNER,
    )


def test_same_email_may_register_in_two_marketplaces_but_not_twice_in_one(api_client, marketplace, other_marketplace):
    first = register(api_client(marketplace))
    assert first.status_code == 202
    assert register(api_client(other_marketplace)).status_code == 202
    again = register(api_client(marketplace), email="Sam@Example.test", password="another-passphrase-2")
    # The same answer as a new account (registration does not reveal accounts); nothing created.
    assert (again.status_code, again.json()) == (202, first.json())
    assert User.objects.count() == 2
    assert User.objects.get(marketplace=marketplace).check_password("a-long-passphrase-1")


def test_weak_password_is_a_field_error(api_client, marketplace):
    response = register(api_client(marketplace), password="123")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["password"]


def test_invalid_fields_are_listed(api_client, marketplace):
    response = api_client(marketplace).post("/api/v1/auth/register/", {"email": "nope", "role": "x"}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) >= {"email", "password", "name", "role"}


def test_malformed_json_is_400_not_500(api_client, marketplace):
    response = api_client(marketplace).post("/api/v1/auth/register/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_wrong_password_is_401_with_code(api_client, marketplace):
    user = UserFactory(marketplace=marketplace)
    response = api_client(marketplace).post("/api/v1/auth/token/", {"email": user.email, "password": "wrong-one"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_credentials_of_another_marketplace_do_not_log_in(api_client, marketplace, other_marketplace):
    user = UserFactory(marketplace=other_marketplace)
    response = api_client(marketplace).post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_token_of_another_marketplace_is_refused(api_client, marketplace, other_marketplace):
    user = UserFactory(marketplace=other_marketplace)
    client = api_client(other_marketplace, user)
    assert client.get("/api/v1/me/").status_code == 200
    client.credentials(HTTP_X_MARKETPLACE="maple", HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"])
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_missing_and_garbage_tokens_are_401(api_client, marketplace):
    client = api_client(marketplace)
    assert client.get("/api/v1/me/").status_code == 401
    client.credentials(HTTP_X_MARKETPLACE="maple", HTTP_AUTHORIZATION="Bearer not-a-token")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_refresh_rotates_and_the_old_refresh_token_is_spent(api_client, marketplace):
    user = UserFactory(marketplace=marketplace)
    client = api_client(marketplace)
    pair = client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).json()
    refreshed = client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"access", "refresh"}
    replay = client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "token_not_valid"


def test_refresh_token_is_bound_to_its_marketplace(api_client, marketplace, other_marketplace):
    user = UserFactory(marketplace=marketplace)
    pair = api_client(marketplace).post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).json()
    response = api_client(other_marketplace).post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert response.status_code == 401


def test_a_deactivated_account_cannot_refresh_its_tokens(api_client, marketplace):
    user = UserFactory(marketplace=marketplace)
    client = api_client(marketplace)
    pair = client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).json()
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_an_expired_access_token_is_401(api_client, marketplace):
    import datetime as dt

    from rest_framework_simplejwt.tokens import AccessToken

    from marketplace.api.authentication import MARKETPLACE_CLAIM

    user = UserFactory(marketplace=marketplace)
    token = AccessToken.for_user(user)
    token[MARKETPLACE_CLAIM] = marketplace.pk
    token.set_exp(lifetime=-dt.timedelta(seconds=1))
    client = api_client(marketplace)
    client.credentials(HTTP_X_MARKETPLACE=marketplace.slug, HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


@pytest.mark.parametrize("header", ["nowhere", ""])
def test_unknown_or_missing_marketplace_is_404(api_client, marketplace, header):
    client = api_client(marketplace)
    client.credentials(HTTP_X_MARKETPLACE=header)
    response = client.post("/api/v1/auth/register/", {})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "marketplace_not_found"


def test_inactive_marketplace_is_404(api_client, marketplace):
    marketplace.is_active = False
    marketplace.save()
    response = api_client(marketplace).get("/api/v1/me/")
    assert response.status_code == 404


def test_marketplace_can_be_named_by_host(client, marketplace, settings):
    settings.ALLOWED_HOSTS = ["maple.example.test"]
    marketplace.domain = "maple.example.test"
    marketplace.save()
    response = client.post(
        "/api/v1/auth/register/",
        {"email": "h@example.test", "password": "a-long-passphrase-1", "name": "H", "role": "homeowner"},
        content_type="application/json",
        HTTP_HOST="maple.example.test",
    )
    assert response.status_code == 202
    assert User.objects.get().marketplace == marketplace
