"""A real Celery worker (not eager mode) consuming from Redis, against the test database."""

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from marketplace.celery import app
from marketplace.models import IdempotencyRecord
from marketplace.tasks import idempotency_keys_prune
from tests.factories import UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker():
    assert app.conf.broker_url.startswith("redis://"), app.conf.broker_url
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_a_task_sent_through_redis_runs_on_the_worker_and_changes_the_database(marketplace, celery_worker):
    user = UserFactory(marketplace=marketplace)
    IdempotencyRecord.objects.create(
        marketplace=marketplace, user=user, key="stale", method="POST", path="/x/", fingerprint="0" * 64
    )
    IdempotencyRecord.objects.update(created_at=timezone.now() - settings.IDEMPOTENCY_KEY_TTL - dt.timedelta(hours=1))

    result = idempotency_keys_prune.apply_async()
    deadline = timezone.now() + dt.timedelta(seconds=20)
    while IdempotencyRecord.objects.exists() and timezone.now() < deadline:
        time.sleep(0.1)
    assert not IdempotencyRecord.objects.exists(), f"task {result.id} did not run on the worker"


def test_celery_is_configured_to_lose_no_task_when_a_worker_dies():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_always_eager is False
    # A delivered-but-unacked task is redelivered only after the visibility timeout, which
    # must outlast the longest task so a running task is never executed twice.
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


def test_every_scheduled_job_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, f"beat entry {name!r} names unknown task {entry['task']!r}"
