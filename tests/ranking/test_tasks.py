"""Ranking tasks: on the beat schedule, quiet on missing rows, and run by a real worker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from marketplace.celery import app
from marketplace.models import Marketplace
from pros.models import Pro
from ranking.models import ProDailySnapshot
from ranking.services import pro_stats_refresh_on_commit
from ranking.tasks import marketplace_stats_rollup_task, pro_stats_refresh_task
from tests.factories import ProFactory
from tests.ranking.conftest import history


def test_the_rollup_is_on_the_beat_schedule():
    tasks = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert "ranking.tasks.pro_stats_rollup_all" in tasks


@pytest.mark.django_db
def test_tasks_for_missing_or_inactive_rows_return_quietly(marketplace):
    pro_stats_refresh_task.run(987654)
    Marketplace.objects.filter(pk=marketplace.pk).update(is_active=False)
    marketplace_stats_rollup_task.run(marketplace.pk)
    assert not ProDailySnapshot.objects.exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_refreshes_a_pro_after_the_answer_commits(demotion_on):
    pro = ProFactory(marketplace=demotion_on)
    history(pro, answered=1, missed=4)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            pro_stats_refresh_on_commit(pro_id=pro.pk)
        deadline = time.monotonic() + 20
        while not Pro.objects.get(pk=pro.pk).demoted and time.monotonic() < deadline:
            time.sleep(0.1)
    refreshed = Pro.objects.get(pk=pro.pk)
    assert refreshed.demoted is True
    assert str(refreshed.response_rate) == "0.200"
