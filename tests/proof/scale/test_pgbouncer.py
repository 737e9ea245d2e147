"""The web and worker paths through PgBouncer in transaction mode.

In transaction mode every transaction may run on another server connection, so nothing may
rely on session state between transactions: the app uses only transaction-scoped advisory
locks (``pg_advisory_xact_lock``) and ``SET LOCAL``, psycopg 3's client-side binding (no
server-side prepared statements; ``prepare_threshold`` None), and ``DATABASE_PGBOUNCER=true``
turns off Django's server-side cursors. PgBouncer's pool here is 6 server connections for
every client, so consecutive transactions of one client do land on different servers.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from loadtest.topology import ROOT, wait_for
from tests.proof.scale.conftest import new_request


@pytest.fixture(scope="module")
def webs(start_web):
    """Two gunicorn processes (3 workers each), both through PgBouncer, no replica; a request
    waits at most 3 s for a database connection (``DATABASE_POOL_TIMEOUT``), then answers 503."""
    return [start_web(workers=3, replica=False, DATABASE_POOL_TIMEOUT="3") for _ in range(2)]


def _probe(topology, code: str, **env: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", "import django, json\ndjango.setup()\n" + code],
        cwd=ROOT,
        env=topology.app_env(replica=False, DATABASE_POOL="false", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_behind_pgbouncer_settings_turn_off_prepared_statements_and_server_side_cursors(topology):
    code = """
from django.db import connection
s = connection.settings_dict
print(json.dumps({"prepare": s["OPTIONS"].get("prepare_threshold", "unset"),
                  "binding": s["OPTIONS"].get("server_side_binding", False),
                  "ssc_off": s["DISABLE_SERVER_SIDE_CURSORS"],
                  "threshold": connection.cursor().connection.prepare_threshold}))
"""
    assert _probe(topology, code) == {"prepare": None, "binding": False, "ssc_off": True, "threshold": None}


ITERATE = """
import psycopg
from django.conf import settings
from django.db import connection
from marketplace.models import User
url = settings.DATABASES["default"]
seen, error = 0, None
try:
    rows = User.objects.order_by("pk").iterator(chunk_size=2)
    next(rows); seen = 1
    # Another client takes the server connection this one just released (PgBouncer hands out
    # the most recently used first) and keeps it inside a transaction.
    with psycopg.connect(host=url["HOST"], port=url["PORT"], dbname=url["NAME"], user=url["USER"],
                         prepare_threshold=None) as other:
        other.execute("SELECT 1")
        for _ in rows:
            seen += 1
except Exception as exc:
    error = type(exc).__name__ + ": " + str(exc).splitlines()[0]
print(json.dumps({"seen": seen, "error": error, "users": User.objects.count()}))
"""


def test_iterating_a_queryset_through_pgbouncer_needs_server_side_cursors_off(topology, world):
    """The negative control shows the setting is load-bearing: with server-side cursors on, the
    cursor lives on a server connection the next FETCH does not get."""
    broken = _probe(topology, ITERATE, DATABASE_PGBOUNCER="false")
    assert broken["error"] and "does not exist" in broken["error"], broken
    works = _probe(topology, ITERATE)
    assert works["error"] is None and works["seen"] == works["users"] > 2, works


def test_app_code_keeps_no_session_state_between_transactions():
    """Session-scoped constructs break behind a transaction pooler; only their transaction-
    scoped forms are allowed in the app (tests may use anything)."""
    forbidden = re.compile(
        r"pg_advisory_lock\(|pg_try_advisory_lock\(|\bSET\s+(?!LOCAL\b)(?:SESSION\s+)?\w+\s*(?:=|TO)\b|"
        r"\bWITH\s+HOLD\b|\bLISTEN\s+\w|\bPREPARE\s+\w",
        re.IGNORECASE,
    )
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        parts = Path(path).relative_to(ROOT).parts
        if parts[0] in {".venv", "tests", "loadtest", "bench", "var"} or "migrations" in parts:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if forbidden.search(line) and "noqa: session-state" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, offenders
    assert "pg_advisory_xact_lock" in (ROOT / "ranking" / "services.py").read_text()


def _charges(topology, request_ids: list[int]) -> dict:
    rows = topology.primary.sql(
        """
        SELECT count(*) FILTER (WHERE c.status = 'succeeded'),
               coalesce(sum(c.amount) FILTER (WHERE c.status = 'succeeded'), 0),
               (SELECT coalesce(sum(e.amount), 0) FROM billing_ledgerentry e
                  JOIN leads_lead l2 ON l2.id = e.lead_id WHERE e.kind = 'charge' AND l2.request_id = ANY(%s)),
               (SELECT count(*) FROM (SELECT c2.lead_id FROM billing_charge c2 WHERE c2.status = 'succeeded'
                  GROUP BY c2.lead_id HAVING count(*) > 1) twice)
        FROM billing_charge c JOIN leads_lead l ON l.id = c.lead_id WHERE l.request_id = ANY(%s)
        """,
        dbname=topology.dbname,
        params=[request_ids, request_ids],
    )[0]
    return {"charges": rows[0], "charged": rows[1], "ledger": rows[2], "doubled": rows[3]}


def test_concurrent_accepts_through_pgbouncer_and_two_web_processes_keep_capacity_and_money_exact(
    topology, world, webs
):
    before = {row[0]: row for row in topology.bouncer.show("STATS")}[topology.dbname]
    requests_made = [new_request(webs[0], world) for _ in range(3)]
    by_pro = {p["pro"]: p for p in world["pros"]}
    jobs = [
        (webs[n % 2], lead_id, by_pro[pro_id]["token"])
        for request_id, leads, _ in requests_made
        for n, (pro_id, lead_id) in enumerate(leads.items())
    ]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        statuses = list(pool.map(lambda job: job[0].post(f"/pro/leads/{job[1]}/accept/", job[2]).status_code, jobs))
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) == 3 * 3, statuses  # capacity 3 of 5 per request, exactly
    money = _charges(topology, [request_id for request_id, _, _ in requests_made])
    assert money == {"charges": 9, "charged": 9 * 2500, "ledger": 9 * 2500, "doubled": 0}
    after = {row[0]: row for row in topology.bouncer.show("STATS")}[topology.dbname]
    assert after[1] > before[1], "the transactions went through PgBouncer"  # total_xact_count


def test_the_ranking_rollup_through_pgbouncer_serialises_on_its_transaction_lock_and_leaves_none(topology, world):
    """Two rollups of one marketplace at once, through the pooler: the advisory lock is held
    for the transaction only, so both finish, one after the other, and no lock is left behind."""
    code = f"""
import time
from marketplace.models import Marketplace
from ranking.services import pro_stats_rollup
started = time.monotonic()
pro_stats_rollup(marketplace=Marketplace.objects.get(pk={world["marketplace_id"]}))
print(json.dumps({{"seconds": time.monotonic() - started}}))
"""
    results: list[dict] = []
    threads = [threading.Thread(target=lambda: results.append(_probe(topology, code))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 2
    left = topology.primary.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")[0][0]
    assert left == 0
    snapshots = topology.primary.sql(
        "SELECT count(*), count(DISTINCT (pro_id, day)) FROM ranking_prodailysnapshot", dbname=topology.dbname
    )[0]
    assert snapshots[0] == snapshots[1] >= len(world["pros"])


def test_a_pgbouncer_restart_is_503s_at_worst_and_nothing_is_lost_or_doubled(topology, world, webs):
    pro = world["pros"][0]
    statuses: list[int] = []
    stop = threading.Event()

    def hammer(web):
        while not stop.is_set():
            try:
                statuses.append(web.get("/pro/leads/", pro["token"]).status_code)
            except requests.RequestException:
                statuses.append(-1)

    threads = [threading.Thread(target=hammer, args=(web,)) for web in webs]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    old_pid = topology.bouncer.pid()
    topology.bouncer.stop()
    time.sleep(4.5)  # longer than a request waits for a connection: some must give up
    topology.bouncer.start()
    assert topology.bouncer.pid() != old_pid
    wait_for(lambda: statuses[-4:] == [200] * 4, timeout=20, what="200s again after the restart")
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    assert statuses.count(503) > 0, "requests waited past the pool timeout and were told to retry"

    request_id, leads, _ = new_request(webs[1], world)
    by_pro = {p["pro"]: p for p in world["pros"]}
    accepted = [webs[0].post(f"/pro/leads/{lead}/accept/", by_pro[p]["token"]).status_code for p, lead in leads.items()]
    assert sorted(accepted) == [200, 200, 200, 409, 409]
    assert _charges(topology, [request_id]) == {"charges": 3, "charged": 7500, "ledger": 7500, "doubled": 0}
