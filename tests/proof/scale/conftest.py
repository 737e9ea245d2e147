"""Real processes: a PostgreSQL primary and its streaming replica, PgBouncer, gunicorn, Celery.

The tests here start their own PostgreSQL cluster (``initdb``) on ``SCALE_PG_PORT`` (55432), a
physical streaming replica of it (``pg_basebackup -R``) on the next port, and PgBouncer in
transaction mode on ``SCALE_BOUNCER_PORT`` (56432) — never the machine's main PostgreSQL — and
drive the app through real gunicorn and Celery processes pointed at them. They are marked
``scale`` and skipped with the reason when the server binaries are missing (``.ci/run``
installs Debian's ``postgresql`` and ``pgbouncer``). One topology serves the whole session.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from loadtest.topology import AppProcess, Topology, gunicorn, missing_binaries, wait_http

pytestmark = pytest.mark.scale

LOGS = Path(__file__).resolve().parents[3] / "test-artifacts" / "scale"


def pytest_collection_modifyitems(config, items):
    reason = missing_binaries()
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.scale)
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"scale proofs: {reason}"))


def free_port() -> int:
    wanted = int(os.environ.get("SCALE_WEB_PORT", "0"))
    for port in range(wanted, wanted + 20) if wanted else [0]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free web port")


@pytest.fixture(scope="session")
def topology() -> Iterator[Topology]:
    pg_port = int(os.environ.get("SCALE_PG_PORT", "55432"))
    bouncer_port = int(os.environ.get("SCALE_BOUNCER_PORT", "56432"))
    topo = Topology(pg_port, pg_port + 1, bouncer_port)
    LOGS.mkdir(parents=True, exist_ok=True)
    try:
        topo.start()
        yield topo
    finally:
        for log in (topo.primary.log, topo.replica.log, topo.bouncer.dir / "pgbouncer.log"):
            if log.exists():
                (LOGS / log.name).write_bytes(log.read_bytes()[-200_000:])
        topo.stop()


@pytest.fixture(scope="session")
def world(topology) -> dict:
    out = topology.manage(
        "shell", "-v", "0", "-c", "from tests.proof.scale.world import main; main()", database_url=topology.primary_url
    )
    return json.loads(out.strip().splitlines()[-1])


class Web:
    """A gunicorn process (``workers`` sync workers) and a requests session per token."""

    def __init__(self, process: AppProcess, port: int, slug: str):
        self.process, self.port, self.slug = process, port, slug
        self.base = f"http://127.0.0.1:{port}/api/v1"

    def call(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = {"X-Marketplace": self.slug, **kwargs.pop("headers", {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.base + path, headers=headers, timeout=60, **kwargs)

    def get(self, path: str, token: str | None = None, **kwargs) -> requests.Response:
        return self.call("GET", path, token, **kwargs)

    def post(self, path: str, token: str | None = None, body: dict | None = None, **kwargs) -> requests.Response:
        return self.call("POST", path, token, json=body or {}, **kwargs)


@pytest.fixture(scope="session")
def start_web(topology, world):
    """start_web(**env) → a Web on gunicorn pointed at the topology (stopped at session end)."""
    started: list[AppProcess] = []

    def start(workers: int = 2, via_bouncer: bool = True, replica: bool = True, **env: str) -> Web:
        port = free_port()
        environ = topology.app_env(
            via_bouncer=via_bouncer,
            replica=replica,
            DATABASE_POOL="true",
            DATABASE_POOL_MIN="1",
            DATABASE_POOL_MAX="4",
            THROTTLE_QUOTE_REQUESTS="100000/hour",
            THROTTLE_AUTH="100000/min",
            **env,
        )
        process = gunicorn(port, environ, LOGS / f"gunicorn-{port}.log", workers=workers)
        started.append(process)
        wait_http(port)
        return Web(process, port, world["marketplace"])

    yield start
    for process in started:
        process.stop()


QUOTE_REQUEST = {
    "category": "plumbing",
    "postal_code": "M5V 3L9",
    "description": "The basement floods when it rains.",
    "contact": {"name": "Pat", "phone": "+1 416 555 0100", "email": "pat@example.test"},
}


_homeowner = itertools.count()


def new_request(web: Web, world: dict) -> tuple[int, dict[int, int], str]:
    """A platform request from the next homeowner → (request id, {pro id: its matched lead
    id}, the homeowner's token)."""
    homeowner = world["homeowners"][next(_homeowner) % len(world["homeowners"])]
    response = web.post("/quote-requests/", homeowner, QUOTE_REQUEST)
    assert response.status_code == 201, response.text[:500]
    request_id = response.json()["id"]
    leads = {}
    for pro in world["pros"]:
        listed = web.get("/pro/leads/?status=pending", pro["token"]).json()["results"]
        for lead in listed:
            if lead["request"]["id"] == request_id:
                leads[pro["pro"]] = lead["id"]
    return request_id, leads, homeowner
