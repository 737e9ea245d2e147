"""Concurrent clicks and the periodic rollup on a real worker (PostgreSQL row locks, Redis broker)."""

import datetime as dt
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.utils import timezone

from connections.models import ConnectionDaily, ConnectionEvent, ConnectionKind
from connections.services import connection_record
from connections.tasks import connections_rollup
from marketplace.celery import app
from tests.factories import ConnectionEventFactory, ProFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.postgres
def test_concurrent_clicks_by_one_visitor_count_once(marketplace):
    pro = ProFactory(marketplace=marketplace, tier="brand_builder")
    at = timezone.now()
    barrier = threading.Barrier(8)
    results = []

    def click():
        try:
            barrier.wait()
            results.append(
                connection_record(
                    marketplace=marketplace,
                    pro=pro,
                    kind=ConnectionKind.PHONE_CLICK,
                    visitor_key="a:same",
                    occurred_at=at,
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8
    assert sum(result is not None for result in results) == 1
    assert ConnectionEvent.objects.count() == 1


@pytest.mark.redis
def test_the_rollup_task_runs_on_a_real_worker_through_redis(marketplace):
    assert app.conf.broker_url.startswith("redis://"), app.conf.broker_url
    pro = ProFactory(marketplace=marketplace)
    ConnectionEventFactory(marketplace=marketplace, pro=pro, kind=ConnectionKind.WEBSITE_CLICK)
    ConnectionEventFactory(marketplace=marketplace, pro=pro, kind=ConnectionKind.WEBSITE_CLICK)

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        connections_rollup.apply_async()
        deadline = timezone.now() + dt.timedelta(seconds=20)
        while not ConnectionDaily.objects.exists() and timezone.now() < deadline:
            time.sleep(0.1)

    assert ConnectionDaily.objects.get(pro=pro).count == 2


@pytest.mark.postgres
def test_a_lone_click_commits_asynchronously_without_changing_the_session(marketplace):
    pro = ProFactory(marketplace=marketplace, tier="brand_builder")
    assert not connection.in_atomic_block

    first = connection_record(marketplace=marketplace, pro=pro, kind=ConnectionKind.WEBSITE_CLICK, visitor_key="a:x")
    again = connection_record(marketplace=marketplace, pro=pro, kind=ConnectionKind.WEBSITE_CLICK, visitor_key="a:x")

    assert first is not None and again is None
    assert ConnectionEvent.objects.filter(pk=first.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
