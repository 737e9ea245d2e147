"""docker-compose.yml: the scale-out deployment is valid.

The file is validated twice: structurally here (the five services exist with health checks,
replicas are settable, beat stays single) and by Compose itself — ``docker compose config``
when the plugin is installed, otherwise Debian's ``docker-compose`` (``.ci/run`` installs it),
which checks the file against the Compose Specification's schema.
"""

import copy
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_the_compose_file_has_web_worker_beat_postgres_and_redis_with_health_checks(compose):
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= services.keys()
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_web_and_worker_replicas_are_settable_and_beat_stays_single(compose):
    services = compose["services"]
    assert re.fullmatch(r"\$\{WEB_REPLICAS:-\d+\}", str(services["web"]["deploy"]["replicas"]))
    assert re.fullmatch(r"\$\{WORKER_REPLICAS:-\d+\}", str(services["worker"]["deploy"]["replicas"]))
    assert "replicas" not in services["beat"].get("deploy", {})


def test_app_services_wait_for_healthy_postgres_and_redis_and_the_migration(compose):
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    anchor_depends = services["migrate"]["depends_on"]
    assert anchor_depends["postgres"]["condition"] == anchor_depends["redis"]["condition"] == "service_healthy"
    assert services["web"]["command"][0] == "gunicorn"
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]


def compose_cli() -> list[str] | None:
    """The Compose CLI on this machine: the docker plugin, else the standalone ``docker-compose``."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def compose_config(cli: list[str], path: Path, **overrides: str) -> subprocess.CompletedProcess:
    env = {"SECRET_KEY": "x" * 50, "PAYMENT_GATEWAY": "stripe", "PATH": "/usr/bin:/bin:/usr/local/bin", **overrides}
    env = {name: value for name, value in env.items() if value is not None}
    return subprocess.run([*cli, "-f", str(path), "config", "--quiet"], capture_output=True, text=True, env=env)


needs_compose = pytest.mark.skipif(
    compose_cli() is None,
    reason="neither `docker compose` nor `docker-compose` is installed (.ci/run installs Debian's docker-compose)",
)


@needs_compose
def test_compose_config_accepts_the_file():
    result = compose_config(compose_cli(), COMPOSE)
    assert result.returncode == 0, result.stderr


@needs_compose
def test_compose_config_rejects_an_unknown_option(compose, tmp_path):
    """The validator is real: the same file with a misspelt option is refused."""
    misspelt = copy.deepcopy(compose)
    misspelt["services"]["web"]["replicaz"] = 3
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(yaml.safe_dump(misspelt))
    result = compose_config(compose_cli(), broken)
    assert result.returncode != 0
    assert "replicaz" in result.stderr


def test_the_payment_gateway_has_no_silent_default(compose):
    """Production refuses the local gateway unless ALLOW_LOCAL_GATEWAY=true: compose must not
    quietly pick it either (issue 12, item 10)."""
    environment = compose["x-app"]["environment"]
    assert environment["PAYMENT_GATEWAY"].startswith("${PAYMENT_GATEWAY:?"), environment["PAYMENT_GATEWAY"]
    assert environment["ALLOW_LOCAL_GATEWAY"] == "${ALLOW_LOCAL_GATEWAY:-false}"


@needs_compose
def test_compose_refuses_to_start_without_a_payment_gateway():
    result = compose_config(compose_cli(), COMPOSE, PAYMENT_GATEWAY=None)
    assert result.returncode != 0
    assert "PAYMENT_GATEWAY" in result.stderr


def test_a_worker_pool_per_queue_and_every_queue_served(compose):
    from marketplace.celery_routing import QUEUE_NAMES

    services = compose["services"]
    served = {}
    for name, service in services.items():
        command = service.get("command") or []
        if "worker" in command:
            queues = next(arg.split("=", 1)[1] for arg in command if arg.startswith("--queues="))
            for queue in queues.split(","):
                served.setdefault(queue, []).append(name)
            assert str(service["deploy"]["replicas"]).startswith("${"), f"{name}: replicas not settable"
    assert set(served) == set(QUEUE_NAMES)
    assert served["money"] == ["worker-money"] and served["notifications"] == ["worker-notifications"]


def test_the_app_goes_through_pgbouncer_and_migrations_go_to_the_primary(compose):
    services = compose["services"]
    app_env = services["web"]["environment"]
    assert "@pgbouncer:" in app_env["DATABASE_URL"] and app_env["DATABASE_PGBOUNCER"] == "true"
    assert "@postgres:" in services["migrate"]["environment"]["DATABASE_URL"]
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    assert "pg_basebackup" in " ".join(services["postgres-replica"]["command"])
