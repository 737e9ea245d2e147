"""A real physical streaming replica behind the stats and dashboard reads.

gunicorn (through PgBouncer) with ``DATABASE_REPLICA_URL`` on the test topology's replica and
``DATABASE_REPLICA_MAX_LAG_SECONDS`` = ``MAX_LAG``. Replication is paused with
``pg_wal_replay_pause()`` or delayed with ``recovery_min_apply_delay``; the replica is stopped,
killed under a request and promoted. ``X-Read-From`` says where the replica-eligible reads went.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

import pytest

from loadtest.topology import ROOT, wait_for
from marketplace.db_routers import HEALTH_SQL, REPLICA_RECHECK_SECONDS
from tests.proof.scale.conftest import new_request

MAX_LAG = 10


@pytest.fixture(scope="module")
def web(start_web):
    return start_web(workers=2, DATABASE_REPLICA_MAX_LAG_SECONDS=str(MAX_LAG))


def _in_recovery(topology) -> bool:
    try:
        return topology.replica.sql("SELECT pg_is_in_recovery()")[0][0]
    except Exception:  # noqa: BLE001 - down or gone: rebuild it
        return False


@pytest.fixture(autouse=True)
def healthy_replica(topology):
    """Each test starts with a streaming replica that has replayed everything."""
    if not _in_recovery(topology):
        topology.start_replica()
    topology.replica.sql("ALTER SYSTEM RESET recovery_min_apply_delay")
    topology.replica.sql("SELECT pg_reload_conf()")
    topology.resume_replay()
    # A commit replayed just now: while a record is received and not yet replayed, the router
    # measures the lag from the last replayed commit, which an idle spell makes look old.
    topology.primary.sql("SELECT txid_current()", dbname=topology.dbname)
    topology.wait_replayed()
    # Replayed is not yet healthy for the router: a replica just rebuilt or restarted (an
    # earlier test's) may not stream again yet. Wait for the router's own verdict, as the web
    # processes will judge it.
    wait_for(
        lambda: topology.replica.sql(HEALTH_SQL)[0][1] == 0.0, timeout=30, interval=0.1, what="a streaming replica"
    )
    time.sleep(REPLICA_RECHECK_SECONDS + 0.1)  # no web worker reuses a previous test's verdict
    yield
    if _in_recovery(topology):
        topology.resume_replay()


def _fresh_replay_then_pause(topology) -> None:
    """A commit replayed just now (so lag is measured from now), then replay paused. First,
    every web process's last health check (the test before may have left one saying
    "lagging") outlives its reuse window: requests are fast enough now to fit inside it."""
    time.sleep(REPLICA_RECHECK_SECONDS + 0.2)
    topology.primary.sql("SELECT txid_current()", dbname=topology.dbname)
    topology.wait_replayed()
    topology.pause_replay()


def _wait_received(topology) -> None:
    """Until the replica has received (not replayed) every WAL record the primary has written."""
    [(lsn,)] = topology.primary.sql("SELECT pg_current_wal_lsn()::text", dbname=topology.dbname)
    wait_for(
        lambda: topology.replica.sql(
            "SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", dbname=topology.dbname, params=[lsn]
        )[0][0],
        timeout=15,
        interval=0.1,
    )
    time.sleep(REPLICA_RECHECK_SECONDS + 0.1)  # and the web process's cached health check has expired


def _phone_clicks(topology, world, pro) -> int:
    rows = topology.primary.sql(
        "SELECT count FROM connections_connectiondaily WHERE pro_id = %s AND kind = 'phone_click' AND day = %s",
        dbname=topology.dbname,
        params=[pro["pro"], world["day"]],
    )
    return rows[0][0]


def _add_clicks(topology, world, pro, n: int) -> dt.datetime:
    """What the connections rollup does on the primary: more clicks for yesterday."""
    topology.primary.sql(
        "UPDATE connections_connectiondaily SET count = count + %s WHERE pro_id = %s AND kind = 'phone_click'",
        dbname=topology.dbname,
        params=[n, pro["pro"]],
    )
    return dt.datetime.now(dt.UTC)


def _dashboard(web, world, pro):
    day = world["day"]
    response = web.get(f"/pro/connections/?start={day}&end={day}", pro["token"])
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    return body["totals"]["phone_click"], dt.datetime.fromisoformat(body["as_of"]), response.headers["X-Read-From"]


def test_dashboards_read_the_replica_correct_once_it_catches_up_and_dated_while_it_lags(topology, world, web):
    pro = world["pros"][4]
    before = _phone_clicks(topology, world, pro)
    wait_for(lambda: _dashboard(web, world, pro)[::2] == (before, "replica"), timeout=15, interval=0.3)

    _fresh_replay_then_pause(topology)
    written_at = _add_clicks(topology, world, pro, 7)
    _wait_received(topology)  # a replica can only date what it has heard of: until then it looks current
    clicks, as_of, source = _dashboard(web, world, pro)
    assert (clicks, source) == (before, "replica"), "the paused replica served the dashboard (stale, as allowed)"
    assert as_of < written_at, "and its as_of says the figures predate the write"

    topology.resume_replay()
    topology.wait_replayed()
    clicks, as_of, source = _dashboard(web, world, pro)
    assert (clicks, source) == (before + 7, "replica")
    assert as_of > written_at - dt.timedelta(seconds=1)


def test_a_replica_minutes_behind_is_not_read_the_primary_serves_current_figures(topology, world, web):
    pro = world["pros"][3]
    topology.primary.sql("SELECT txid_current()", dbname=topology.dbname)
    topology.wait_replayed()
    topology.replica.sql("ALTER SYSTEM SET recovery_min_apply_delay = '5min'")
    topology.replica.sql("SELECT pg_reload_conf()")
    before = _phone_clicks(topology, world, pro)
    written_at = _add_clicks(topology, world, pro, 2)  # not applied on the replica for 5 minutes
    # Within the bound the replica still serves (stale); past it, the primary takes over.
    assert _dashboard(web, world, pro)[::2] == (before, "replica")
    wait_for(lambda: _dashboard(web, world, pro)[2] == "primary", timeout=MAX_LAG + 15, interval=0.5)
    clicks, as_of, source = _dashboard(web, world, pro)
    assert (clicks, source) == (before + 2, "primary")
    assert as_of >= written_at
    stats = web.get("/pro/stats/", pro["token"])
    assert stats.status_code == 200 and stats.headers["X-Read-From"] == "primary"


def test_the_writer_reads_its_own_writes_while_replication_is_paused(topology, world, web):
    _fresh_replay_then_pause(topology)
    paused_at = time.monotonic()
    request_id, leads, homeowner = new_request(web, world)  # the homeowner's write
    assert len(leads) == 5, leads
    on_replica = topology.replica.sql(
        "SELECT count(*) FROM leads_quoterequest WHERE id = %s", dbname=topology.dbname, params=[request_id]
    )[0][0]
    assert on_replica == 0, "the replica has not replayed the new request"
    own = web.get(f"/quote-requests/{request_id}/", homeowner)
    assert own.status_code == 200 and own.json()["id"] == request_id

    writer, reader = [p for p in world["pros"] if p["pro"] in leads][:2]
    accepted = web.post(f"/pro/leads/{leads[writer['pro']]}/accept/", writer["token"])
    assert accepted.status_code == 200, accepted.text[:500]
    assert accepted.json()["contact"] is not None

    stats = web.get("/pro/stats/", writer["token"])
    assert stats.status_code == 200 and stats.headers["X-Read-From"] == "primary", "the writer is pinned"
    mine = {lead["id"]: lead["status"] for lead in stats.json()["leads"]["results"]}
    assert mine[leads[writer["pro"]]] == "accepted"

    other = web.get("/pro/stats/", reader["token"])
    elapsed = time.monotonic() - paused_at
    assert other.status_code == 200 and other.headers["X-Read-From"] == "replica", f"others may lag ({elapsed:.1f} s)"
    assert leads[reader["pro"]] not in {lead["id"] for lead in other.json()["leads"]["results"]}
    assert dt.datetime.fromisoformat(other.json()["as_of"]) < dt.datetime.now(dt.UTC)
    # money and lead state never come from the replica: the reader's own lead list is current
    pending = web.get("/pro/leads/?status=pending", reader["token"]).json()["results"]
    assert leads[reader["pro"]] in {lead["id"] for lead in pending}

    topology.resume_replay()
    topology.wait_replayed()
    time.sleep(MAX_LAG + 0.5)  # the writer's pin expires
    stats = web.get("/pro/stats/", writer["token"])
    assert stats.headers["X-Read-From"] == "replica"
    assert {lead["id"]: lead["status"] for lead in stats.json()["leads"]["results"]}[leads[writer["pro"]]] == "accepted"


def test_a_stopped_replica_sends_the_reads_to_the_primary_and_is_used_again_once_back(topology, world, web):
    pro = world["pros"][2]
    topology.replica.stop("immediate")
    written_at = _add_clicks(topology, world, pro, 1)
    for person in world["pros"]:
        for path in ("/pro/stats/", "/pro/connections/"):
            response = web.get(path, person["token"])
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
            assert response.headers["X-Read-From"] == "primary"
    clicks, as_of, _ = _dashboard(web, world, pro)
    assert clicks == _phone_clicks(topology, world, pro) and as_of >= written_at

    topology.replica.start()
    topology.wait_streaming()
    wait_for(lambda: _dashboard(web, world, pro)[2] == "replica", timeout=30, interval=0.5)


PROBE = """
import json, sys
import django
django.setup()
from rest_framework.test import APIClient
from django.db import connections
from marketplace.db_routers import HEALTH_SQL

token, slug, path = sys.argv[1:4]
killed = []

def kill_own_backend_once(execute, sql, params, many, context):
    if sql != HEALTH_SQL and not killed:
        killed.append(sql.split(" FROM ")[1][:40] if " FROM " in sql else sql[:40])
        try:
            context["connection"].connection.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        except Exception:
            pass
    return execute(sql, params, many, context)

client = APIClient()
client.credentials(HTTP_X_MARKETPLACE=slug, HTTP_AUTHORIZATION=f"Bearer {token}")
with connections["replica"].execute_wrapper(kill_own_backend_once):
    response = client.get(path)
print(json.dumps({"status": response.status_code, "read_from": response.get("X-Read-From"),
                  "killed": killed, "body": response.json()}))
"""


@pytest.mark.parametrize("path", ["/api/v1/pro/stats/", "/api/v1/pro/connections/"])
def test_a_replica_connection_dying_mid_request_reruns_the_read_on_the_primary(topology, world, path):
    pro = world["pros"][1]
    env = topology.app_env(DATABASE_POOL="false", DATABASE_REPLICA_MAX_LAG_SECONDS=str(MAX_LAG))
    out = subprocess.run(
        [sys.executable, "-c", PROBE, pro["token"], world["marketplace"], path],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["killed"], "the replica connection was killed under the request"
    assert (probe["status"], probe["read_from"]) == (200, "primary"), probe


def test_the_stats_endpoint_reads_its_figures_from_the_real_replica_and_the_rules_from_the_primary(topology, world):
    from tests.proof.test_replica_router import STATS_PROBE, assert_stats_reads_split

    out = subprocess.run(
        [sys.executable, "-c", STATS_PROBE, str(world["pros"][4]["user"])],
        cwd=ROOT,
        env=topology.app_env(DATABASE_POOL="false", DATABASE_REPLICA_MAX_LAG_SECONDS=str(MAX_LAG)),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert_stats_reads_split(json.loads(out.stdout.strip().splitlines()[-1]))


def test_a_promoted_replica_is_not_read(topology, world, web):
    pro = world["pros"][0]
    topology.replica.promote()
    wait_for(lambda: not _in_recovery(topology), timeout=30, what="promotion")
    # The promoted server has left the primary's timeline: what is written now is not on it.
    _add_clicks(topology, world, pro, 5)
    wait_for(lambda: _dashboard(web, world, pro)[2] == "primary", timeout=10, interval=0.3)
    assert _dashboard(web, world, pro)[0] == _phone_clicks(topology, world, pro)
    stats = web.get("/pro/stats/", pro["token"])
    assert stats.status_code == 200 and stats.headers["X-Read-From"] == "primary"
    topology.start_replica()  # a fresh base backup for whatever runs next
