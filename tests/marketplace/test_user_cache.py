"""The JWT's user comes from the shared cache once warm (no query), and every change that must
lock a token out — deactivation, a password change, a revocation, a role or pro change — is
seen on the very next request, in any process (the invalidation goes through Redis)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace import tenancy
from marketplace.models import Role, User
from marketplace.user_cache import USER_CACHE_KEY, USER_VERSION_KEY, user_cached, user_remember
from tests.factories import UserFactory
from tests.factories.marketplace import PASSWORD
from tests.factories.pros import ProFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def user_statements(queries):
    return [query["sql"] for query in queries.captured_queries if 'FROM "marketplace_user"' in query["sql"]]


@pytest.fixture
def warm(api_client, marketplace, homeowner):
    """A signed-in client whose user is already cached."""
    client = api_client(marketplace, homeowner)
    assert client.get(ME).status_code == 200
    assert cache.get(USER_CACHE_KEY.format(user_id=homeowner.pk)) is not None
    return client


def test_a_warm_user_is_authenticated_without_a_query(warm, homeowner):
    with CaptureQueriesContext(connection) as queries:
        response = warm.get(ME)
    assert response.status_code == 200
    assert queries.captured_queries == []
    assert response.json()["email"] == homeowner.email


def test_the_cached_user_is_a_real_user_without_its_password_hash(homeowner):
    cached = user_cached(homeowner.pk)
    assert cached.user is None  # nothing cached yet
    user_remember(User.objects.get(pk=homeowner.pk), version=cached.version)
    entry = cache.get(USER_CACHE_KEY.format(user_id=homeowner.pk))
    assert homeowner.password not in repr(entry)
    user = user_cached(homeowner.pk).user
    assert isinstance(user, User)
    assert (user.pk, user.email, user.role, user.marketplace_id, user.token_version, user.is_active) == (
        homeowner.pk,
        homeowner.email,
        Role.HOMEOWNER,
        homeowner.marketplace_id,
        0,
        True,
    )
    assert user.get_deferred_fields() == {"password"}
    assert user.check_password(PASSWORD)  # the rare path reads the hash then


def test_a_deactivated_user_is_refused_on_the_next_request(warm, homeowner):
    homeowner.is_active = False
    homeowner.save()
    assert warm.get(ME).status_code == 401


def test_a_user_deactivated_by_a_bulk_update_is_refused_on_the_next_request(warm, homeowner):
    User.objects.filter(pk=homeowner.pk).update(is_active=False)
    response = warm.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "user_inactive"


def test_a_password_change_refuses_the_old_token_on_the_next_request(warm, homeowner):
    user = User.objects.get(pk=homeowner.pk)
    user.set_password("another-horse-battery-7")
    user.save()
    assert warm.get(ME).status_code == 401


def test_the_password_change_endpoint_works_with_the_cached_user_and_kills_the_old_token(warm, api_client):
    response = warm.post(
        "/api/v1/auth/password/change/",
        {"current_password": PASSWORD, "new_password": "another-horse-battery-7"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert warm.get(ME).status_code == 401  # the old access token
    warm.credentials(HTTP_X_MARKETPLACE="maple", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert warm.get(ME).status_code == 200


def test_a_revoked_token_is_refused_on_the_next_request(warm, homeowner):
    homeowner.tokens_revoke()
    response = warm.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_a_role_change_is_seen_on_the_next_request(warm, homeowner):
    homeowner.role = Role.STAFF
    homeowner.save()
    assert warm.get(ME).json()["role"] == Role.STAFF
    assert warm.get("/api/v1/quote-requests/").status_code == 403  # no longer a homeowner


def test_a_move_to_another_pro_is_seen_on_the_next_request(api_client, marketplace):
    pro_user = UserFactory(marketplace=marketplace, role=Role.PRO)
    client = api_client(marketplace, pro_user)
    assert client.get(ME).json()["pro"] == pro_user.pro_id
    other = ProFactory(marketplace=marketplace)
    pro_user.pro = other
    pro_user.save()
    assert client.get(ME).json()["pro"] == other.pk


def test_a_deleted_user_is_refused_on_the_next_request(warm, homeowner):
    User.objects.filter(pk=homeowner.pk).delete()
    response = warm.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "user_not_found"


def test_saving_the_cached_user_keeps_its_password(warm, homeowner, api_client, marketplace):
    assert warm.patch(ME, {"language": "fr-ca"}, format="json").status_code == 200
    stored = User.objects.get(pk=homeowner.pk)
    assert stored.language == "fr-ca"
    assert stored.check_password(PASSWORD)
    assert warm.get(ME).json()["language"] == "fr-ca"  # and the cache forgot the old language


def test_a_change_committed_in_another_process_reaches_this_one_through_redis(
    warm, homeowner, django_capture_on_commit_callbacks
):
    version_key = USER_VERSION_KEY.format(user_id=homeowner.pk)
    before = cache.get(version_key)
    with django_capture_on_commit_callbacks(execute=True):
        User.objects.filter(pk=homeowner.pk).update(is_active=False)
    assert cache.get(version_key) not in (None, before)  # the new version is in Redis, not in a process
    assert warm.get(ME).status_code == 401


def test_a_row_read_before_a_change_is_never_served_after_it(homeowner):
    before = user_cached(homeowner.pk)  # a request misses...
    stale = User.objects.get(pk=homeowner.pk)  # ...and reads the row
    homeowner.is_active = False  # another request deactivates the user meanwhile
    homeowner.save()
    user_remember(stale, version=before.version)  # the first request stores what it read
    assert user_cached(homeowner.pk).user is None  # under a version that is no longer current


def test_hot_pro_endpoints_read_no_user_and_no_marketplace_row_once_warm(api_client, marketplace, monkeypatch):
    monkeypatch.setattr(tenancy._process_cache, "check_seconds", 3600)  # a slow run: no version check between
    pro_user = UserFactory(marketplace=marketplace, role=Role.PRO)
    client = api_client(marketplace, pro_user)
    for path in ("/api/v1/pro/leads/", "/api/v1/pro/stats/"):
        assert client.get(path).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        assert user_statements(queries) == [], path
        resolver = [q for q in queries.captured_queries if '"marketplace_marketplace"."slug" = ' in q["sql"]]
        assert resolver == [], path
