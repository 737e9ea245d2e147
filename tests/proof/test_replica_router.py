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
    """The router as it behaves when settings define the ``replica`` alias."""
    monkeypatch.setattr(db_routers, "replica_configured", lambda: True)


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
