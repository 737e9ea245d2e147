"""DATABASE_REPLICA_URL → a ``replica`` alias that stats and dashboard reads use; unset → only ``default``."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from connections.models import ConnectionDaily
from leads.models import Lead
from marketplace import db_routers
from marketplace.db_routers import ReplicaRouter, read_alias, replica_reads
from ranking.models import ProDailySnapshot

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import django, json
django.setup()
from django.conf import settings
from connections.models import ConnectionDaily
from leads.models import Lead
from ranking.models import ProDailySnapshot
from marketplace import db_routers
from marketplace.db_routers import replica_reads
# route as with a healthy replica (its health check is proven on a real one in tests/proof/scale)
db_routers.replica_health = lambda: db_routers.ReplicaHealth(True, "ok", 0.0, 0.0)
with replica_reads():
    forced = Lead.objects.all().db
print(json.dumps({
    "aliases": sorted(settings.DATABASES),
    "routers": list(getattr(settings, "DATABASE_ROUTERS", [])),
    "daily": ConnectionDaily.objects.all().db,
    "snapshots": ProDailySnapshot.objects.all().db,
    "leads": Lead.objects.all().db,
    "forced": forced,
}))
"""


def _settings_probe(**env) -> dict:
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    environ.update(DJANGO_ENV="test", DJANGO_SETTINGS_MODULE="marketplace.settings", **env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_without_a_replica_url_everything_reads_from_default():
    probe = _settings_probe()
    assert probe == {
        "aliases": ["default"],
        "routers": [],
        "daily": "default",
        "snapshots": "default",
        "leads": "default",
        "forced": "default",
    }


def test_with_a_replica_url_stats_tables_read_from_the_replica_and_the_rest_from_default():
    probe = _settings_probe(DATABASE_REPLICA_URL="postgres://reader@127.0.0.1:5432/leadmarket_replica")
    assert probe["aliases"] == ["default", "replica"]
    assert probe["routers"] == ["marketplace.db_routers.ReplicaRouter"]
    assert (probe["daily"], probe["snapshots"], probe["forced"]) == ("replica", "replica", "replica")
    assert probe["leads"] == "default"


@pytest.fixture
def with_replica(monkeypatch):
    """The router as it behaves when settings define a healthy ``replica`` alias."""
    monkeypatch.setattr(db_routers, "replica_configured", lambda: True)
    monkeypatch.setattr(
        db_routers, "replica_health", lambda: db_routers.ReplicaHealth(True, "ok", 0.0, 0.0, as_of=None)
    )


def test_the_router_sends_writes_and_migrations_to_the_primary_only(with_replica):
    router = ReplicaRouter()
    assert router.db_for_write(ConnectionDaily) == "default"
    assert router.allow_migrate("default", "connections") is True
    assert router.allow_migrate("replica", "connections") is False


def test_the_router_reads_stats_from_the_replica_but_keeps_other_models_on_default(with_replica):
    router = ReplicaRouter()
    assert router.db_for_read(ConnectionDaily) == "replica"
    assert router.db_for_read(ProDailySnapshot) == "replica"
    assert router.db_for_read(Lead) is None
    with replica_reads():
        assert router.db_for_read(Lead) == "replica"
    assert router.db_for_read(Lead) is None


@pytest.mark.django_db
def test_reads_inside_a_write_transaction_stay_on_the_primary(with_replica):
    router = ReplicaRouter()
    with transaction.atomic():
        assert router.db_for_read(ConnectionDaily) == "default"
        assert read_alias() == "default"
        with replica_reads():
            assert router.db_for_read(Lead) == "default"


def test_without_a_replica_the_router_and_read_alias_fall_back_to_default():
    router = ReplicaRouter()
    assert router.db_for_read(ConnectionDaily) is None
    assert read_alias() == "default"


# --- GET /pro/stats/ end to end: which alias each query of the endpoint used ---------------

STATS_PROBE = """
import contextlib, json, re, sys
import django
django.setup()
from django.conf import settings
from django.db import connections
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken
from marketplace.api.authentication import MARKETPLACE_CLAIM
from marketplace.models import User

user = User.objects.select_related("marketplace").get(pk=int(sys.argv[1]))
token = RefreshToken.for_user(user)
token[MARKETPLACE_CLAIM] = user.marketplace_id
client = APIClient()
client.credentials(HTTP_X_MARKETPLACE=user.marketplace.slug, HTTP_AUTHORIZATION=f"Bearer {token.access_token}")
tables = {alias: [] for alias in settings.DATABASES}

def recorder(alias):
    def wrapper(execute, sql, params, many, context):
        found = re.search(r'\\bFROM "(\\w+)"', sql)
        tables[alias].append(found.group(1) if found else sql.split()[0].upper())
        return execute(sql, params, many, context)
    return wrapper

with contextlib.ExitStack() as stack:
    for alias in settings.DATABASES:
        stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
    response = client.get("/api/v1/pro/stats/")
print(json.dumps({"status": response.status_code, "tables": tables}))
"""


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _stats_probe(user_id: int, *, replica: bool) -> dict:
    """GET /pro/stats/ in a fresh process on the test database; with ``replica`` the replica
    alias points at the same database (a replica is a copy of the primary), so both answer."""
    env = {"DATABASE_URL": _database_url(), "DATABASE_POOL": "false"}
    if replica:
        env["DATABASE_REPLICA_URL"] = env["DATABASE_URL"]
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    environ.update(DJANGO_ENV="test", DJANGO_SETTINGS_MODULE="marketplace.settings", **env)
    out = subprocess.run(
        [sys.executable, "-c", STATS_PROBE, str(user_id)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def stats_pro(marketplace):
    from ranking.services import pro_stats_rollup
    from tests.factories import CategoryFactory, ProAreaFactory, ServiceFactory, UserFactory
    from tests.ranking.conftest import history

    user = UserFactory(marketplace=marketplace, role="pro")
    ServiceFactory(marketplace=marketplace, pro=user.pro, category=CategoryFactory(marketplace=marketplace))
    ProAreaFactory(marketplace=marketplace, pro=user.pro, area="M5V")
    history(user.pro, answered=3, missed=1, pending_in_time=1)
    pro_stats_rollup(marketplace=marketplace)  # writes today's snapshot: the history has a row
    return user


STATS_READS = {"leads_lead", "pros_service", "pros_proarea", "ranking_prodailysnapshot"}


def assert_stats_reads_split(probe: dict) -> None:
    """Which tables GET /pro/stats/ read where, with a usable replica (used by the real-replica
    proof in tests/proof/scale/test_replica.py)."""
    assert probe["status"] == 200
    on_replica, on_primary = set(probe["tables"]["replica"]), set(probe["tables"]["default"])
    # the window's leads (counts and list), main category and area, list position, history
    assert on_replica >= STATS_READS | {"pros_pro"}
    assert not on_primary & STATS_READS
    # the marketplace, the signed-in user and the rules stay on the primary
    assert on_primary >= {"marketplace_marketplace", "marketplace_user", "marketplace_marketplacepolicy"}
    assert not on_replica & {"marketplace_user", "marketplace_marketplacepolicy", "ranking_rankingpolicy"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_replica_url_naming_a_server_not_in_recovery_is_never_read(stats_pro):
    """DATABASE_REPLICA_URL at a server that is not a standby (here the primary itself; in
    production a promoted replica): the health check refuses it and every read stays on
    the primary. (The split with a real replica: tests/proof/scale/test_replica.py.)"""
    probe = _stats_probe(stats_pro.pk, replica=True)
    assert probe["status"] == 200
    assert set(probe["tables"]["replica"]) <= {"SELECT"}, "only the health check ran there"
    assert set(probe["tables"]["default"]) >= STATS_READS | {"pros_pro", "marketplace_user"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_a_replica_the_stats_endpoint_reads_everything_from_the_primary(stats_pro):
    probe = _stats_probe(stats_pro.pk, replica=False)
    assert probe["status"] == 200
    assert list(probe["tables"]) == ["default"]
    assert set(probe["tables"]["default"]) >= STATS_READS | {"pros_pro", "marketplace_user"}


@pytest.mark.django_db(transaction=True)  # a real autocommit connection: no test-wide transaction
def test_stats_selectors_read_the_replica_outside_a_transaction_and_the_primary_inside_one(with_replica, marketplace):
    from django.utils import timezone

    from marketplace.models import MarketplacePolicy
    from ranking import selectors
    from tests.factories import ProFactory

    pro = ProFactory(marketplace=marketplace)
    policy = MarketplacePolicy.objects.get(marketplace=marketplace)

    def aliases():
        leads = selectors.pro_window_leads(marketplace=marketplace, pro=pro, policy=policy, now=timezone.now())
        return leads.db, selectors.pro_snapshots(marketplace=marketplace, pro=pro).db

    assert aliases() == ("replica", "replica")
    with transaction.atomic():
        assert aliases() == ("default", "default")


@pytest.mark.django_db(transaction=True)
def test_the_connections_dashboard_sends_every_read_to_the_replica(with_replica, settings, monkeypatch):
    """No second database here: a recording router says where each read would go, then runs it on the primary."""
    import datetime as dt

    from connections.selectors import Bucket, DateRange, connection_dashboard
    from tests.factories import MarketplaceFactory, ProFactory

    routed = []
    decide = ReplicaRouter.db_for_read

    def recording(self, model, **hints):
        routed.append((model._meta.label, decide(self, model, **hints)))
        return None

    monkeypatch.setattr(ReplicaRouter, "db_for_read", recording)
    settings.DATABASE_ROUTERS = ["marketplace.db_routers.ReplicaRouter"]
    marketplace = MarketplaceFactory()
    pro = ProFactory(marketplace=marketplace)
    connection_dashboard(
        marketplace=marketplace,
        period=DateRange(dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
        bucket=Bucket.DAY,
        pro=pro,
    )
    # One statement reads the daily counts and the closed loop's leads; it is routed as a read
    # of the daily counts, so it goes where every other dashboard read goes.
    assert "connections.ConnectionDaily" in {label for label, _ in routed}
    assert {alias for _, alias in routed} == {"replica"}
