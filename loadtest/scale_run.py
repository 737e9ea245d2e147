"""``make load TOPOLOGY=N,M``: the load scenario against a scaled-out topology on real processes.

Starts a throw-away PostgreSQL primary and its streaming replica and PgBouncer in transaction
mode (``loadtest/topology.py``, ports ``LOAD_PG_PORT``/+1 and ``LOAD_BOUNCER_PORT``), seeds the
``leadmarket_load`` database, then runs N gunicorn processes (``LOAD_WEB_WORKERS`` sync workers
each) and M Celery worker processes (one per queue group: money, notifications,
default+rollups, then round-robin) — all through PgBouncer, the replica serving stats and
dashboards — and drives them with locust for ``LOAD_SECONDS``. A third of the way in, one web
process and one worker are SIGKILLed (their whole process groups) and restarted 3 s later.
Afterwards the expiry job runs on a worker and the invariants are checked
(``loadtest/invariants.py``); the figures are saved to ``var/load/topology-N-M.json`` and every
saved topology is printed side by side (``make load`` saves ``topology-1-1.json``).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtest.topology import Topology, celery_worker, gunicorn, wait_http  # noqa: E402

OUT = ROOT / "var" / "load"
QUEUE_GROUPS = ["money", "notifications", "default,rollups"]


def _env(topology: Topology, **extra: str) -> dict[str, str]:
    env = topology.app_env(
        via_bouncer=True,
        replica=True,
        DJANGO_ENV="development",
        DEBUG="false",
        DATABASE_POOL="true",
        DATABASE_POOL_MAX=os.environ.get("DATABASE_POOL_MAX", "4"),
        REDIS_URL=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/9"),
        THROTTLE_QUOTE_REQUESTS="1000000/hour",
        THROTTLE_AUTH="1000000/min",
        THROTTLE_CLICKS="1000000/min",
        JWT_ACCESS_MINUTES="240",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PAYMENT_GATEWAY="local",
        ALLOW_LOCAL_GATEWAY="true",
    )
    env.pop("CELERY_BROKER_URL", None)
    if os.environ.get("LOAD_BROKER_URL"):
        env["CELERY_BROKER_URL"] = os.environ["LOAD_BROKER_URL"]
    env.update(extra)
    return env


def _totals(stats_csv: Path) -> dict:
    with stats_csv.open() as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    return {
        "requests": int(total["Request Count"]),
        "rps": round(float(total["Requests/s"]), 1),
        "p50": total["50%"],
        "p95": total["95%"],
        "p99": total["99%"],
        "errors": int(total["Failure Count"]),
        "accepts": int(rows.get("POST /pro/leads/{id}/accept/", {}).get("Request Count", 0)),
    }


def compare() -> None:
    """Every saved topology's totals, side by side."""
    runs = sorted(OUT.glob("topology-*.json"))
    if not runs:
        return
    print("\n== topologies side by side (this machine; see README for what 2 cores can show)")
    header = (
        f"{'topology':<44} {'req/s':>6} {'p50':>5} {'p95':>5} {'p99':>5} {'requests':>8} {'errors':>6} "
        f"{'invariants':>10}"
    )
    print(header)
    print("-" * len(header))
    for path in runs:
        run = json.loads(path.read_text())
        t = run["totals"]
        print(
            f"{run['label']:<44} {t['rps']:>6} {t['p50']:>5} {t['p95']:>5} {t['p99']:>5} {t['requests']:>8} "
            f"{t['errors']:>6} {'hold' if run['invariants_ok'] else 'VIOLATED':>10}"
        )


def main() -> int:
    web_n, worker_m = (int(x) for x in os.environ.get("TOPOLOGY", "2,3").split(","))
    seconds = int(os.environ.get("LOAD_SECONDS", "60"))
    users = int(os.environ.get("LOAD_USERS", "40"))
    web_workers = int(os.environ.get("LOAD_WEB_WORKERS", "2"))
    base_port = int(os.environ.get("LOAD_PORT", "8765"))
    pg_port = int(os.environ.get("LOAD_PG_PORT", "55436"))
    OUT.mkdir(parents=True, exist_ok=True)
    topology = Topology(
        pg_port, pg_port + 1, int(os.environ.get("LOAD_BOUNCER_PORT", "56436")), dbname="leadmarket_load"
    )
    webs, workers = [], []
    try:
        print(f"== topology: primary :{pg_port}, streaming replica :{pg_port + 1}, PgBouncer :{topology.bouncer_port}")
        topology.start()
        redis_url = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/9")
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        print(
            topology.manage(
                "shell", "-v", "0", "-c", "from loadtest.seed import main; main()", database_url=topology.primary_url
            ).strip()
        )
        env = _env(topology)
        ports = [base_port + n for n in range(web_n)]
        webs = [gunicorn(port, env, OUT / f"gunicorn-{port}.log", workers=web_workers) for port in ports]
        groups = [QUEUE_GROUPS[n % len(QUEUE_GROUPS)] for n in range(worker_m)]
        if worker_m < len(QUEUE_GROUPS):
            groups = [",".join(QUEUE_GROUPS)] * worker_m
        workers = [
            celery_worker(env, OUT / f"worker-{n}.log", queues=group, concurrency=2, name=f"load{n}")
            for n, group in enumerate(groups)
        ]
        for port in ports:
            wait_http(port)
        label = f"{web_n} gunicorn × {web_workers} + {worker_m} workers, PgBouncer, replica"
        print(f"== locust: {users} users for {seconds}s against {label}")
        print(f"   worker queues: {groups}")

        kills: list[str] = []

        def chaos() -> None:
            time.sleep(seconds / 3)
            victim_web, victim_worker = webs[-1], workers[0]
            pids = (victim_web.pid, victim_worker.pid)
            victim_web.kill(signal.SIGKILL)
            victim_worker.kill(signal.SIGKILL)
            kills.append(
                f"t={seconds / 3:.0f}s SIGKILL gunicorn :{ports[-1]} (pid {pids[0]} and its workers) "
                f"and worker load0 ({groups[0]}, pid {pids[1]} and its pool)"
            )
            time.sleep(3)
            victim_web.start()
            victim_worker.start()
            kills.append(f"t+3s both restarted (pids {victim_web.pid}, {victim_worker.pid})")

        chaos_thread = threading.Thread(target=chaos, daemon=True)
        chaos_thread.start()
        locust_env = {**env, "LOAD_HOSTS": ",".join(f"http://127.0.0.1:{p}" for p in ports)}
        subprocess.run(
            [
                str(ROOT / ".venv/bin/locust"),
                "-f",
                "loadtest/locustfile.py",
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                "10",
                "--run-time",
                f"{seconds}s",
                "--host",
                f"http://127.0.0.1:{ports[0]}",
                "--csv",
                str(OUT / "topology"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=locust_env,
            stdout=(OUT / "locust-topology.log").open("w"),
            stderr=subprocess.STDOUT,
            check=False,
        )
        chaos_thread.join(timeout=30)
        for line in kills:
            print(f"   {line}")
        print()
        subprocess.run([sys.executable, "loadtest/report.py", str(OUT / "topology_stats.csv")], cwd=ROOT, check=True)
        print("\n== invariants (after the expiry job on a worker)")
        result = subprocess.run(
            [
                str(ROOT / ".venv/bin/python"),
                "manage.py",
                "shell",
                "-v",
                "0",
                "-c",
                "from loadtest.invariants import main; main()",
            ],
            cwd=ROOT,
            env={**env, "DATABASE_URL": topology.primary_url, "DATABASE_PGBOUNCER": "false"},
            capture_output=True,
            text=True,
            check=False,
        )
        print(result.stdout + result.stderr[-2000:])
        replica_lag = topology.replica.sql(
            "SELECT coalesce(extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp()), 0)::float8"
        )[0][0]
        run = {
            "label": f"{label} (killed mid-run)",
            "totals": _totals(OUT / "topology_stats.csv"),
            "invariants_ok": result.returncode == 0,
            "kills": kills,
            "replica_lag_seconds_after": round(replica_lag, 2),
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (OUT / f"topology-{web_n}-{worker_m}.json").write_text(json.dumps(run, indent=2))
        compare()
        return 0 if result.returncode == 0 else 1
    finally:
        for process in [*webs, *workers]:
            process.stop()
        topology.stop()


def save(label: str, stats_csv: str, status: str, path: str) -> None:
    """Save a run made by ``loadtest/run.sh`` (the single-process topology) for ``compare()``."""
    run = {
        "label": label,
        "totals": _totals(Path(stats_csv)),
        "invariants_ok": status == "0",
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    Path(path).write_text(json.dumps(run, indent=2))
    compare()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--save"]:
        save(*sys.argv[2:6])
        raise SystemExit(0)
    raise SystemExit(main())
