"""Machine-readable bench results: each bench module records its paths into a fragment
(``var/bench/<module>.json``), and ``python -m bench.results merge`` (the last step of
``make bench``) writes ``var/bench/results.json``::

    {"run": {date, git_commit, python, postgres, cpu_count, bench_scale, gunicorn_workers,
             clients, pool, modules},
     "paths": {name: {"product": {...figures, "unit"}, "lower_bound": {...figures, "unit"},
                      "ratio": x, "ratio_of": "p95", "target": y, "target_is": "min" | "max",
                      "meets_target": bool, "statements_per_request": n, ...}}}

``target_is`` says how the ratio (product / lower bound) is read: ``min`` for throughput
(req/s: the product must reach at least ``target`` of the lower bound), ``max`` for times
(ms, s: the product may take at most ``target`` times the lower bound).

Also a small toolbox the modules share: the statement counter, percentiles, the connection
lifecycle of a request around hand-written SQL, and the pool settings the run used.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = Path(os.environ.get("BENCH_OUT_DIR", str(ROOT / "var" / "bench")))
RESULTS = "results.json"

PATH_KEYS = {"product", "lower_bound", "ratio", "target", "target_is", "meets_target", "statements_per_request"}
RUN_KEYS = {
    "date",
    "git_commit",
    "python",
    "postgres",
    "cpu_count",
    "bench_scale",
    "gunicorn_workers",
    "clients",
    "pool",
    "modules",
}


def scale() -> float:
    return float(os.environ.get("BENCH_SCALE", "1.0"))


def pool_settings() -> dict[str, Any]:
    """How the product's database connections are handled in this run (settings.DATABASES)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {
        "pool": db.get("OPTIONS", {}).get("pool") or None,
        "conn_max_age": db.get("CONN_MAX_AGE", 0),
        "conn_health_checks": db.get("CONN_HEALTH_CHECKS", False),
    }


def server_env() -> dict[str, str]:
    """The environment both gunicorn servers of a bench run with: the product's production
    connection handling (Django's psycopg pool on, connection lifetime 0: each request takes a
    connection from the pool and gives it back when Django's request_finished fires)."""
    return {
        **os.environ,
        "DATABASE_POOL": "true",
        "LOG_LEVEL": "WARNING",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }


def percentile(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def latency(samples_ms: list[float]) -> dict[str, Any]:
    return {
        "p50": round(percentile(samples_ms, 50), 3),
        "p95": round(percentile(samples_ms, 95), 3),
        "n": len(samples_ms),
        "unit": "ms",
    }


class StatementCounter:
    """Counts the SQL statements every database connection of this thread sends while active
    (``connection.execute_wrapper``): the product's round trips for one request."""

    def __init__(self) -> None:
        self.count = 0
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        self.sql.append(sql)
        return execute(sql, params, many, context)

    @contextlib.contextmanager
    def active(self):
        from django.db import connections

        with contextlib.ExitStack() as stack:
            for conn in connections.all():
                stack.enter_context(conn.execute_wrapper(self))
            yield self


def count_statements(fn) -> tuple[int, Any]:
    counter = StatementCounter()
    with counter.active():
        result = fn()
    return counter.count, result


@contextlib.contextmanager
def as_request():
    """Hand-written SQL with a request's connection handling: Django's request_started and
    request_finished around it, so with the pool on it takes a connection from the pool and
    gives it back, exactly as a product request through the test client does."""
    from django.core import signals

    signals.request_started.send(sender=None, environ={})
    try:
        yield
    finally:
        signals.request_finished.send(sender=None)


def record(module: str, name: str, entry: dict[str, Any], *, settings: dict[str, Any] | None = None) -> None:
    """Add one path to this module's fragment (``var/bench/<module>.json``)."""
    missing = {"product", "lower_bound", "ratio", "target", "target_is"} - set(entry)
    if missing:
        raise ValueError(f"bench path {name!r} lacks {sorted(missing)}")
    if entry["target_is"] not in ("min", "max"):
        raise ValueError("target_is is 'min' (throughput) or 'max' (time)")
    ratio, target = entry["ratio"], entry["target"]
    # A lower bound that produced something else than the product did is no bound: the target
    # is not met while any output comparison (``*_differing``, ``*_differing_runs``) differs.
    differing = sum(v for k, v in entry.items() if k.endswith(("_differing", "_differing_runs")) and v)
    entry = {
        "statements_per_request": None,
        **entry,
        "ratio": round(ratio, 3) if ratio is not None else None,
        "meets_target": ratio is not None
        and not differing
        and (ratio >= target if entry["target_is"] == "min" else ratio <= target),
    }
    _fragment_update(module, paths={name: entry}, settings=settings or {})


def record_settings(module: str, settings: dict[str, Any]) -> None:
    """Add a module's run settings (data sizes, samples) to its fragment."""
    _fragment_update(module, paths={}, settings=settings)


def _fragment_update(module: str, *, paths: dict[str, Any], settings: dict[str, Any]) -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    fragment_path = OUT_DIR / f"{module}.json"
    fragment = json.loads(fragment_path.read_text()) if fragment_path.exists() else {"paths": {}, "settings": {}}
    fragment["paths"].update(paths)
    fragment["settings"].update(settings)
    fragment_path.write_text(json.dumps(fragment, indent=2, sort_keys=True, default=str))


def start_module(module: str) -> None:
    """Forget this module's fragment from an earlier run (a crashed bench leaves no stale path)."""
    (OUT_DIR / f"{module}.json").unlink(missing_ok=True)


def _git_commit() -> str | None:
    try:
        return subprocess.run(  # noqa: S603
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _postgres_version() -> str | None:
    try:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
    except Exception:  # noqa: BLE001 - the version is informative; a merge without a database still writes
        return None


def merge(modules: list[str] | None = None) -> dict[str, Any]:
    """Every fragment of this run into ``results.json``: the run's settings and all paths."""
    fragments = sorted(p for p in OUT_DIR.glob("bench_*.json"))
    if modules is not None:
        fragments = [p for p in fragments if p.stem in modules]
    paths: dict[str, Any] = {}
    module_settings: dict[str, Any] = {}
    for fragment_path in fragments:
        fragment = json.loads(fragment_path.read_text())
        paths.update(fragment["paths"])
        module_settings[fragment_path.stem] = fragment.get("settings", {})
    run = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "postgres": _postgres_version(),
        "cpu_count": os.cpu_count(),
        "bench_scale": scale(),
        "gunicorn_workers": {m: s["gunicorn_workers"] for m, s in module_settings.items() if "gunicorn_workers" in s},
        "clients": {m: s["clients"] for m, s in module_settings.items() if "clients" in s},
        "pool": pool_settings(),
        "modules": module_settings,
    }
    results = {"run": run, "paths": paths}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / RESULTS).write_text(json.dumps(results, indent=2, sort_keys=True, default=str))
    return results


def summary(results: dict[str, Any]) -> str:
    lines = [f"{'path':<34} {'product':>16} {'lower bound':>16} {'ratio':>7} {'target':>9} {'stmts':>6}  ok"]
    for name, entry in sorted(results["paths"].items()):
        product, lower = entry["product"], entry["lower_bound"]
        key = entry.get("ratio_of") or next(k for k in product if k not in ("unit", "n"))
        sign = ">=" if entry["target_is"] == "min" else "<="
        lines.append(
            f"{name:<34} {product.get(key, 0):>10.2f} {product['unit']:<5} {lower.get(key, 0):>10.2f} "
            f"{lower['unit']:<5} {entry['ratio'] if entry['ratio'] is not None else '-':>7} "
            f"{sign}{entry['target']:>6} {entry['statements_per_request'] or '-':>6}  "
            f"{'yes' if entry['meets_target'] else 'NO'}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if argv[:1] != ["merge"]:
        raise SystemExit("usage: python -m bench.results merge [module ...]")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django

    django.setup()
    results = merge(argv[1:] or None)
    print(summary(results))
    print(f"written {OUT_DIR / RESULTS}")


if __name__ == "__main__":
    main(sys.argv[1:])
