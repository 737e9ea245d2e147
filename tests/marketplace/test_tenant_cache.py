"""The request's marketplace and policy come from a per-process cache once warm, and every
change to them — in this process at once, in any other within a second — is seen."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from marketplace.errors import NotFound
from marketplace.models import Marketplace, MarketplacePolicy
from marketplace.selectors import marketplace_policy
from marketplace.tenancy import TENANCY_VERSION_KEY, TenantCache, marketplace_from_request
from tests.factories import MarketplaceFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def resolve(slug="maple", **headers):
    request = RequestFactory().get("/api/v1/pros/", headers={"X-Marketplace": slug, **headers} if slug else headers)
    return marketplace_from_request(request)


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_warm_marketplace_resolves_without_a_query(marketplace, django_assert_num_queries):
    with django_assert_num_queries(1):  # cold: the marketplace joined with its policy
        resolve()
    with django_assert_num_queries(0):
        resolved = resolve()
        assert resolved.policy.fee_new == marketplace.policy.fee_new  # the policy came with it
    assert resolved.pk == marketplace.pk


def test_the_cached_marketplace_has_every_field_and_policy_field_a_query_gives(marketplace):
    MarketplacePolicy.objects.filter(marketplace=marketplace).update(fee_new=700, matched_leads_enabled=True)
    resolve()  # warm
    cached = resolve()
    queried = Marketplace.objects.select_related("policy").get(pk=marketplace.pk)
    for field in Marketplace._meta.concrete_fields:
        assert getattr(cached, field.attname) == getattr(queried, field.attname), field.name
    for field in MarketplacePolicy._meta.concrete_fields:
        assert getattr(cached.policy, field.attname) == getattr(queried.policy, field.attname), field.name
    assert marketplace_policy(cached).fee_new == 700
    assert cached.policy.marketplace is cached
    assert not cached._state.adding and cached._state.db == "default"


def test_each_request_gets_its_own_marketplace_object(marketplace):
    first = resolve()
    first.name = "changed by one request"
    first.policy.fee_new = 123456
    second = resolve()
    assert second is not first
    assert second.name == marketplace.name
    assert second.policy.fee_new == marketplace.policy.fee_new


def test_a_policy_saved_in_this_process_is_seen_by_the_next_request(marketplace):
    resolve()
    policy = MarketplacePolicy.objects.get(marketplace=marketplace)
    policy.fee_new = 4200
    policy.save()
    assert resolve().policy.fee_new == 4200


def test_a_bulk_policy_update_is_seen_by_the_next_request(marketplace):
    resolve()
    MarketplacePolicy.objects.filter(marketplace=marketplace).update(fee_matched=999)
    assert resolve().policy.fee_matched == 999


def test_a_new_marketplace_or_policy_forgets_only_its_own_marketplace(marketplace, django_assert_num_queries):
    resolve()
    newcomer = MarketplaceFactory(slug="newcomer")  # with its policy
    MarketplacePolicy.objects.filter(marketplace=newcomer).delete()
    MarketplacePolicy.objects.create(marketplace=newcomer, fee_new=5)
    with django_assert_num_queries(0):
        resolve()  # maple is still cached
    assert resolve("newcomer").policy.fee_new == 5


def test_a_bulk_marketplace_update_is_seen_by_the_next_request(marketplace):
    resolve()
    Marketplace.objects.filter(pk=marketplace.pk).update(name="Renamed")
    assert resolve().name == "Renamed"


def test_a_deactivated_marketplace_answers_404_on_the_next_request(api_client, marketplace):
    client = api_client(marketplace)
    assert client.get("/api/v1/pros/").status_code == 200
    marketplace.is_active = False
    marketplace.save()
    response = client.get("/api/v1/pros/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "marketplace_not_found"


def test_a_deleted_marketplace_is_forgotten(db):
    MarketplaceFactory(slug="brief")
    assert resolve("brief").slug == "brief"
    Marketplace.objects.filter(slug="brief").delete()
    with pytest.raises(NotFound):
        resolve("brief")


def test_an_unknown_marketplace_is_404_and_not_remembered(db, django_assert_num_queries):
    for _ in range(2):
        with django_assert_num_queries(1), pytest.raises(NotFound):  # asks every time
            resolve("newcomer")
    MarketplaceFactory(slug="newcomer")
    assert resolve("newcomer").slug == "newcomer"  # found at once: no negative entry


def test_a_marketplace_named_by_its_host_is_cached_too(db, settings, django_assert_num_queries):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "leads.hosted.test"]
    MarketplaceFactory(slug="hosted", domain="leads.hosted.test")
    request_factory = RequestFactory()
    with django_assert_num_queries(1):
        assert marketplace_from_request(request_factory.get("/", HTTP_HOST="leads.hosted.test")).slug == "hosted"
    with django_assert_num_queries(0):
        assert marketplace_from_request(request_factory.get("/", HTTP_HOST="leads.hosted.test:8000")).slug == "hosted"


def test_a_marketplace_without_a_policy_row_still_gets_the_default_policy(db):
    bare = Marketplace.objects.create(slug="bare", name="Bare", currency="CAD", postal_scheme="ca_fsa")
    resolve("bare")
    cached = resolve("bare")
    with pytest.raises(MarketplacePolicy.DoesNotExist):
        cached.policy  # noqa: B018 - as select_related("policy") leaves it
    assert marketplace_policy(cached).pk is None
    assert marketplace_policy(cached).marketplace_id == bare.pk


def test_another_process_sees_a_committed_change_within_a_second(marketplace, django_capture_on_commit_callbacks):
    clock = FakeClock()
    other_process = TenantCache(clock=clock)
    assert other_process.resolve(slug="maple").policy.fee_new == marketplace.policy.fee_new
    version_before = cache.get(TENANCY_VERSION_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        MarketplacePolicy.objects.filter(marketplace=marketplace).update(fee_new=31337)
    assert cache.get(TENANCY_VERSION_KEY) != version_before  # the change went through Redis

    clock.now += 0.5  # within its check interval the other process still serves its copy
    assert other_process.resolve(slug="maple").policy.fee_new == marketplace.policy.fee_new
    clock.now += 0.5
    assert other_process.resolve(slug="maple").policy.fee_new == 31337


def test_another_process_stops_serving_a_deactivated_marketplace_within_a_second(
    marketplace, django_capture_on_commit_callbacks
):
    clock = FakeClock()
    other_process = TenantCache(clock=clock)
    assert other_process.resolve(slug="maple") is not None
    with django_capture_on_commit_callbacks(execute=True):
        marketplace.is_active = False
        marketplace.save()
    clock.now += 1.0
    assert other_process.resolve(slug="maple") is None


def test_a_cleared_shared_cache_makes_every_process_forget(marketplace):
    clock = FakeClock()
    other_process = TenantCache(clock=clock)
    other_process.resolve(slug="maple")
    Marketplace.objects.filter(pk=marketplace.pk).update(name="Changed")  # not committed: no bump
    cache.clear()  # the version token is gone: a new epoch
    clock.now += 1.0
    assert other_process.resolve(slug="maple").name == "Changed"


def test_the_version_is_read_at_most_once_a_second_per_process(marketplace):
    clock = FakeClock()
    process = TenantCache(clock=clock)
    process.resolve(slug="maple")
    cache.set(TENANCY_VERSION_KEY, "someone else's change")
    with CaptureQueriesContext(connection) as queries:
        process.resolve(slug="maple")  # not checked yet: no query, old copy
    assert queries.captured_queries == []
    clock.now += 1.0
    with CaptureQueriesContext(connection) as queries:
        process.resolve(slug="maple")  # checked: the version moved, the row is read again
    assert len(queries.captured_queries) == 1


def test_an_authenticated_request_resolves_marketplace_and_user_without_a_query(
    api_client, marketplace, homeowner, django_assert_num_queries
):
    client = api_client(marketplace, homeowner)
    with django_assert_num_queries(2) as cold:
        assert client.get(ME).status_code == 200
    tables = [query["sql"].split(" FROM ")[1].split()[0] for query in cold.captured_queries]
    assert tables == ['"marketplace_marketplace"', '"marketplace_user"']
    with django_assert_num_queries(0):  # warm: GET /me/ needs no statement at all
        response = client.get(ME)
    assert response.json()["marketplace"] == "maple"
    assert response.json()["id"] == homeowner.pk
