"""docker-compose.yml: the scale-out deployment is valid.

``docker compose config`` runs when the compose plugin is installed; where it is not (this
sandbox has a docker CLI without the plugin), the file is validated structurally: it parses,
the five services exist with health checks, replicas are settable, beat stays single.
"""

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


@pytest.mark.skipif(
    not shutil.which("docker")
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="the docker compose plugin is not installed here; the structural tests above cover the file",
)
def test_docker_compose_config_accepts_the_file():
    result = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"], capture_output=True,
                            text=True, env={"SECRET_KEY": "x" * 50, "PATH": "/usr/bin:/bin:/usr/local/bin"})
    assert result.returncode == 0, result.stderr
