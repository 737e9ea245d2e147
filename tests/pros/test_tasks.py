import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from marketplace.celery import app
from pros.models import Pro, Review
from pros.tasks import pro_star_score_recompute, star_scores_recompute_nightly
from tests.factories import ProFactory, ReviewFactory


def test_the_nightly_job_is_on_the_beat_schedule():
    entries = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert "pros.tasks.star_scores_recompute_nightly" in entries


@pytest.mark.django_db
def test_recompute_task_for_a_missing_pro_returns_quietly():
    assert pro_star_score_recompute(987654) is None


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_runs_on_a_real_worker_and_decays_old_reviews(marketplace):
    pro = ProFactory(marketplace=marketplace)
    for _ in range(5):
        ReviewFactory(marketplace=marketplace, pro=pro, rating=5)
    Review.objects.filter(pro=pro).update(created_at=timezone.now() - datetime.timedelta(days=365))
    Pro.objects.filter(pk=pro.pk).update(star_score=81, review_count=5)  # as scored when fresh

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        star_scores_recompute_nightly.apply_async()
        deadline = time.monotonic() + 20
        while Pro.objects.get(pk=pro.pk).star_score == 81 and time.monotonic() < deadline:
            time.sleep(0.1)

    # Five 5-star reviews a year old weigh 2.5 fresh ones: (17.5 + 12.5) / 7.5 = 4.0 → 75.
    assert Pro.objects.get(pk=pro.pk).star_score == 75
