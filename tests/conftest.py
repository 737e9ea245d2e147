import os

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from marketplace.api.authentication import MARKETPLACE_CLAIM
from marketplace.tenancy import tenancy_cache_reset
from tests.factories import MarketplaceFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    on_postgres = connection.vendor == "postgresql"
    redis_url = os.environ.get("REDIS_URL", "")
    skip_pg = pytest.mark.skip(reason=f"needs PostgreSQL; this run uses {connection.vendor}")
    skip_redis = pytest.mark.skip(
        reason=f"needs Redis; unreachable at {os.environ.get('REDIS_URL_UNREACHABLE', '(REDIS_URL unset)')}"
    )
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not redis_url:
            item.add_marker(skip_redis)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Close what in-thread Celery workers and live servers left open, so the test database drops.

    Their connections belong to threads that have ended; Django cannot close them from here,
    and PostgreSQL refuses to drop a database with sessions still attached.
    """
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache; each test starts from zero (and no marketplace
    cached in this process by an earlier test's rolled-back rows)."""
    cache.clear()
    tenancy_cache_reset()
    yield


@pytest.fixture
def local_webhooks(settings):
    """Allow-list ``localhost`` for webhooks (WEBHOOK_ALLOWED_HOSTS), as a local integration
    test would: receivers named ``localhost`` get deliveries over plain http; 127.0.0.1 and
    every other non-public address stay refused."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["localhost"]
    return settings.WEBHOOK_ALLOWED_HOSTS


@pytest.fixture
def fake_dns(monkeypatch):
    """fake_dns({"hooks.example": ["93.184.215.14"]}) → host names resolve as given (a list, or
    a callable returning one per look-up); every other name resolves as usual. Tests that use
    a public address here only *save* URLs: nothing ever connects to it."""
    import socket

    real = socket.getaddrinfo

    def install(table):
        def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
            entry = table.get(str(host).lower()) if host else None
            if entry is None:
                return real(host, port, family, type, proto, flags)
            addresses = entry() if callable(entry) else entry
            if not addresses:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            port = int(port or 0)
            return [
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
                if ":" in a
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses
            ]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    return install


@pytest.fixture
def marketplace(db):
    return MarketplaceFactory(slug="maple", currency="CAD", postal_scheme="ca_fsa", time_zone="America/Toronto")


@pytest.fixture
def other_marketplace(db):
    return MarketplaceFactory(slug="formosa", currency="TWD", postal_scheme="tw_district", time_zone="Asia/Taipei")


class MarketplaceClient(APIClient):
    """An API client speaking to one marketplace, optionally as one user."""

    def __init__(self, marketplace, user=None, **kwargs):
        super().__init__(**kwargs)
        self.marketplace = marketplace
        self.credentials(HTTP_X_MARKETPLACE=marketplace.slug)
        if user is not None:
            self.login_as(user)

    def login_as(self, user):
        refresh = RefreshToken.for_user(user)
        refresh[MARKETPLACE_CLAIM] = user.marketplace_id
        self.credentials(HTTP_X_MARKETPLACE=self.marketplace.slug, HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
        return self


@pytest.fixture
def api_client():
    """api_client(marketplace, user=None) → a client for that marketplace (and user)."""
    return MarketplaceClient


@pytest.fixture
def homeowner(marketplace):
    return UserFactory(marketplace=marketplace, role="homeowner")


@pytest.fixture
def staff_user(marketplace):
    return UserFactory(marketplace=marketplace, role="staff")
