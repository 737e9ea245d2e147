"""Celery on both brokers — Redis and RabbitMQ (quorum queues) — with real worker processes
through PgBouncer on the test topology.

- the queues are separate: a notification backlog with no free notification worker does not
  delay a money task on the money pool;
- on RabbitMQ the queues are quorum queues;
- one of several workers SIGKILLed mid-task: on RabbitMQ the broker hands the unacknowledged
  message to the surviving worker at once; on Redis it stays invisible until the visibility
  timeout, and the job's next periodic run finishes it. Either way every overdue lead expires
  exactly once;
- RabbitMQ dropping every connection mid-task (what a broker restart does to clients): the
  worker reconnects, the message is redelivered, the job finishes, nothing is done twice;
- a Redis broker (a private one, append-only file on) restarted mid-task: the running job
  finishes, the worker reconnects and takes new work, nothing is done twice.

RabbitMQ: ``CELERY_TEST_AMQP_URL`` (default ``amqp://guest:guest@127.0.0.1:5672/leadmarket_test``,
the vhost ``.ci/run`` creates); skipped with the reason when it cannot be reached.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from urllib.parse import urlsplit

import pytest
from amqp.exceptions import ChannelError
from kombu import Connection

from loadtest.topology import celery_worker, port_open, running, wait_for
from marketplace.celery_routing import MONEY, NOTIFICATIONS, QUEUE_NAMES
from tests.proof.scale.conftest import LOGS

AMQP_URL = os.environ.get("CELERY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/leadmarket_test")


def _amqp_unreachable() -> str | None:
    try:
        with Connection(AMQP_URL, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001 - any failure is a reason to skip
        return f"RabbitMQ unreachable at {AMQP_URL}: {type(exc).__name__}: {exc}"
    return None


def _redis_url() -> str:
    return os.environ.get("REDIS_URL", "")


@pytest.fixture(params=["redis", "amqp"])
def broker(request) -> str:
    if request.param == "redis":
        if not _redis_url():
            pytest.skip("needs Redis (REDIS_URL)")
        url = _redis_url()
    else:
        reason = _amqp_unreachable()
        if reason:
            pytest.skip(reason)
        url = AMQP_URL
    _purge(url)
    return url


def _purge(url: str) -> None:
    from marketplace.celery_routing import task_queues

    with Connection(url) as conn:
        channel = conn.default_channel
        for queue in task_queues(url):
            queue(channel).declare()
            queue(channel).purge()


def _depth(url: str, name: str) -> int:
    with Connection(url) as conn:
        try:
            return conn.default_channel.queue_declare(queue=name, passive=True).message_count
        except ChannelError:
            if url.startswith("redis"):
                return 0  # Redis has no empty lists: an empty queue is no key
            raise


def _send(url: str, task: str, n: int = 1, args=()) -> None:
    """Publish like the app does (its routes), from a producer on this broker."""
    from marketplace.celery import app
    from marketplace.celery_routing import queue_for, task_queues

    # This process's app was configured for the suite's broker: declare the queues as a
    # process configured for ``url`` would (quorum queues on RabbitMQ).
    queue = {q.name: q for q in task_queues(url)}[queue_for(task)]
    with app.connection_for_write(url) as conn:
        for _ in range(n):
            app.send_task(task, args=args, connection=conn, queue=queue)


def _worker(topology, url: str, name: str, queues: str, loglevel: str = "WARNING", **env):
    """A Celery worker process (not yet started) on ``url``, through PgBouncer."""
    environ = topology.app_env(replica=False, CELERY_BROKER_URL=url, DATABASE_POOL="false", **env)
    log = LOGS / f"worker-{name}.log"
    log.unlink(missing_ok=True)
    return celery_worker(environ, log, queues=queues, concurrency=1, name=name, loglevel=loglevel, start=False)


def test_on_rabbitmq_every_queue_is_a_quorum_queue():
    reason = _amqp_unreachable()
    if reason:
        pytest.skip(reason)
    _purge(AMQP_URL)
    with Connection(AMQP_URL) as conn:
        for name in QUEUE_NAMES:
            channel = conn.channel()
            with pytest.raises(Exception, match="x-queue-type"):  # PRECONDITION_FAILED: inequivalent arg
                channel.queue_declare(
                    queue=name, durable=True, auto_delete=False, arguments={"x-queue-type": "classic"}
                )


def test_a_notification_backlog_does_not_delay_money_work(topology, world, broker):
    _send(broker, "leads.tasks.notification_email_send", n=300, args=(10**9,))
    assert _depth(broker, NOTIFICATIONS) == 300
    money = _worker(topology, broker, f"money-{urlsplit(broker).scheme}", MONEY, loglevel="INFO")
    log = money.log
    with running(money.start()):
        started = time.monotonic()
        _send(broker, "leads.tasks.accept_charges_recover")
        wait_for(
            lambda: "leads.tasks.accept_charges_recover[" in log.read_text() and "succeeded" in log.read_text(),
            timeout=60,
            what="the money task on the money pool",
        )
        took = time.monotonic() - started
    assert _depth(broker, NOTIFICATIONS) == 300, "the notification backlog is untouched"
    assert _depth(broker, MONEY) == 0
    assert took < 30


def _overdue(topology, requests: int = 100) -> int:
    out = topology.manage(
        "shell",
        "-v",
        "0",
        "-c",
        f"from tests.proof.scale.world import overdue; overdue({requests})",
        database_url=topology.primary_url,
    )
    return json.loads(out.strip().splitlines()[-1])["leads"]


def _lead_counts(topology) -> tuple[int, int, int]:
    """(pending past deadline, expiry events, leads with more than one expiry event)."""
    return topology.primary.sql(
        """
        SELECT (SELECT count(*) FROM leads_lead WHERE status = 'pending' AND deadline <= now()),
               (SELECT count(*) FROM leads_leadevent WHERE to_status = 'expired'),
               (SELECT count(*) FROM (SELECT lead_id FROM leads_leadevent WHERE to_status = 'expired'
                                      GROUP BY lead_id HAVING count(*) > 1) twice)
        """,
        dbname=topology.dbname,
    )[0]


def test_one_of_two_workers_killed_mid_task_loses_nothing_and_doubles_nothing(topology, world, broker):
    amqp = broker.startswith("amqp")
    made = _overdue(topology)
    _, expired_before, _ = _lead_counts(topology)
    first = _worker(topology, broker, f"first-{'amqp' if amqp else 'redis'}", "default", CELERY_BATCH_SIZE="5")
    with running(first.start()):
        _send(broker, "leads.tasks.leads_expire_due")
        wait_for(lambda: _lead_counts(topology)[1] > expired_before, timeout=60, interval=0.01, what="the job")
        # Killed as soon as its first batches are in, not after the second worker has booted:
        # the job takes a second or two here, less than a worker's start-up.
        first.kill(signal.SIGKILL)  # the whole pool, mid-job
        time.sleep(0.3)  # a commit already on its way lands, or is rolled back with the connection
        pending = _lead_counts(topology)[0]
        assert 0 < pending < made, f"the kill landed mid-job ({pending} of {made} left)"
        second = _worker(topology, broker, f"second-{'amqp' if amqp else 'redis'}", "default", CELERY_BATCH_SIZE="5")
        with running(second.start()):
            if not amqp:
                # Redis keeps the unacknowledged message invisible for the visibility timeout
                # (an hour): the survivor does not get it; beat's next tick re-runs the job.
                time.sleep(3)
                assert _lead_counts(topology)[0] == pending
                _send(broker, "leads.tasks.leads_expire_due")
            # RabbitMQ: the dead worker's channel closed, the broker redelivers to the survivor.
            wait_for(lambda: _lead_counts(topology)[0] == 0, timeout=120, interval=0.2, what="the rest expired")
    pending, expired, doubled = _lead_counts(topology)
    assert (pending, doubled) == (0, 0)
    assert expired - expired_before == made


def test_rabbitmq_dropping_every_connection_mid_task_loses_nothing(topology, world):
    reason = _amqp_unreachable()
    if reason:
        pytest.skip(reason)
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is None or os.geteuid() != 0:
        pytest.skip("needs rabbitmqctl (as root) to close the broker's connections")
    vhost = urlsplit(AMQP_URL).path.lstrip("/") or "/"
    _purge(AMQP_URL)
    # Enough work that the job outlasts rabbitmqctl's own start-up (an Erlang VM, a second or
    # two): on a quiet machine 100 requests were expired before the connections closed.
    made = _overdue(topology, requests=600)
    _, expired_before, _ = _lead_counts(topology)
    worker = _worker(topology, AMQP_URL, "reconnect-amqp", "default", CELERY_BATCH_SIZE="5")
    with running(worker.start()):
        _send(AMQP_URL, "leads.tasks.leads_expire_due")
        wait_for(lambda: _lead_counts(topology)[1] > expired_before, timeout=60, interval=0.02, what="the job")
        subprocess.run(
            [rabbitmqctl, "close_all_connections", "-p", vhost, "scale proof: broker restart"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        assert _lead_counts(topology)[0] > 0, "the connections closed mid-job"
        wait_for(lambda: _lead_counts(topology)[0] == 0, timeout=120, interval=0.2, what="the job to finish")
    pending, expired, doubled = _lead_counts(topology)
    assert (pending, doubled) == (0, 0)
    assert expired - expired_before == made


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of this test's own (append-only file on), so it can be restarted: never the
    machine's shared one. Port ``SCALE_REDIS_PORT`` (56439)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = int(os.environ.get("SCALE_REDIS_PORT", "56439"))
    argv = [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(tmp_path), "--appendonly", "yes"]
    argv += ["--appendfsync", "always", "--save", ""]

    def start() -> subprocess.Popen:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(port), timeout=20, what="the private Redis")
        return process

    state = {"process": start()}

    def restart() -> None:
        state["process"].terminate()  # SIGTERM: Redis writes its append-only file and exits
        state["process"].wait(timeout=20)
        time.sleep(1.0)
        state["process"] = start()

    yield f"redis://127.0.0.1:{port}/0", restart
    state["process"].terminate()
    state["process"].wait(timeout=20)


def test_a_redis_broker_restart_mid_task_loses_nothing(topology, world, private_redis):
    url, restart = private_redis
    _purge(url)
    made = _overdue(topology, requests=300)
    _, expired_before, _ = _lead_counts(topology)
    worker = _worker(topology, url, "restart-redis", "default", CELERY_BATCH_SIZE="2")
    with running(worker.start()):
        _send(url, "leads.tasks.leads_expire_due")
        wait_for(lambda: _lead_counts(topology)[1] > expired_before, timeout=60, interval=0.02, what="the job")
        assert _lead_counts(topology)[0] > 0, "Redis goes down mid-job"
        restart()
        wait_for(lambda: _lead_counts(topology)[0] == 0, timeout=120, interval=0.2, what="the job to finish")
        # the worker is back on the restarted broker: new work sent now still runs
        made += _overdue(topology, requests=10)
        _send(url, "leads.tasks.leads_expire_due")
        wait_for(lambda: _lead_counts(topology)[0] == 0, timeout=60, interval=0.2, what="work sent after the restart")
    pending, expired, doubled = _lead_counts(topology)
    assert (pending, doubled) == (0, 0)
    assert expired - expired_before == made
