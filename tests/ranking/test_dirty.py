"""The coalesced refresh: answers mark pros dirty, the beat pass recomputes them (issue #16)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from leads.services import lead_reject
from marketplace.celery import app
from marketplace.models import Marketplace
from pros.models import Pro
from ranking import dirty
from ranking.dirty import dirty_pros_refresh, pros_dirty_mark
from ranking.models import DirtyPro
from ranking.tasks import dirty_pros_refresh_task
from tests.factories import LeadFactory, ProFactory
from tests.ranking.conftest import history

pytestmark = pytest.mark.django_db


def test_the_dirty_pass_runs_every_twenty_seconds_on_the_beat_schedule():
    entries = [entry for entry in app.conf.beat_schedule.values() if entry["task"] == dirty_pros_refresh_task.name]
    assert len(entries) == 1 and entries[0]["schedule"] == 20.0


def test_a_reject_marks_the_pro_dirty_once_however_many_times_it_answers(demotion_on):
    pro = ProFactory(marketplace=demotion_on)
    for _ in range(2):
        lead = LeadFactory(marketplace=demotion_on, pro=pro, kind="new")
        lead_reject(lead_id=lead.pk, pro=pro, reason="Too far")
    assert list(DirtyPro.objects.values_list("pro_id", "marketplace_id")) == [(pro.pk, demotion_on.pk)]


def test_an_answer_that_rolls_back_leaves_no_mark(demotion_on):
    pro = ProFactory(marketplace=demotion_on)
    lead = LeadFactory(marketplace=demotion_on, pro=pro, kind="new")
    with pytest.raises(RuntimeError), transaction.atomic():
        lead_reject(lead_id=lead.pk, pro=pro)
        raise RuntimeError("the request failed after the reject")
    assert not DirtyPro.objects.exists()


def test_the_pass_recomputes_each_marked_pro_and_clears_its_mark(pro_with_history):
    demoted, recovered = pro_with_history(answered=1, missed=4), pro_with_history(answered=5)
    Pro.objects.filter(pk=recovered.pk).update(demoted=True)  # as the last rollup left it
    pros_dirty_mark(marketplace_id=demoted.marketplace_id, pro_ids=[demoted.pk, recovered.pk])
    assert dirty_pros_refresh() == 2
    assert not DirtyPro.objects.exists()
    assert Pro.objects.get(pk=demoted.pk).demoted is True
    assert str(Pro.objects.get(pk=demoted.pk).response_rate) == "0.200"
    assert Pro.objects.get(pk=recovered.pk).demoted is False


def test_many_dirty_pros_of_one_marketplace_are_recomputed_in_one_marketplace_rollup(pro_with_history, monkeypatch):
    monkeypatch.setattr(dirty, "FULL_ROLLUP_AT", 2)
    pros = [pro_with_history(answered=1, missed=4) for _ in range(2)]
    untouched = pro_with_history(answered=1, missed=4)  # not marked: the marketplace rollup covers it
    pros_dirty_mark(marketplace_id=pros[0].marketplace_id, pro_ids=[pro.pk for pro in pros])
    assert dirty_pros_refresh() == 2
    assert all(Pro.objects.get(pk=pro.pk).demoted for pro in [*pros, untouched])


def test_the_pass_takes_at_most_its_batch_and_leaves_the_rest_for_the_next_run(pro_with_history):
    pros = [pro_with_history(answered=1) for _ in range(3)]
    pros_dirty_mark(marketplace_id=pros[0].marketplace_id, pro_ids=[pro.pk for pro in pros])
    assert dirty_pros_refresh(limit=2) == 2
    assert DirtyPro.objects.count() == 1
    assert dirty_pros_refresh(limit=2) == 1 and not DirtyPro.objects.exists()


def test_marks_of_an_inactive_marketplace_are_dropped(pro_with_history):
    pro = pro_with_history(answered=1, missed=4)
    pros_dirty_mark(marketplace_id=pro.marketplace_id, pro_ids=[pro.pk])
    Marketplace.objects.filter(pk=pro.marketplace_id).update(is_active=False)
    assert dirty_pros_refresh() == 1
    assert not DirtyPro.objects.exists() and Pro.objects.get(pk=pro.pk).demoted is False


def test_a_pass_that_fails_puts_back_the_marks_it_had_not_finished(pro_with_history, monkeypatch):
    pros = [pro_with_history(answered=1, missed=4) for _ in range(3)]
    pros_dirty_mark(marketplace_id=pros[0].marketplace_id, pro_ids=[pro.pk for pro in pros])
    done: list[int] = []
    real_rollup = dirty.pro_stats_rollup

    def rollup_failing_on_the_second(*, marketplace, pro_id=None):
        if len(done) == 1:
            raise ConnectionError("the database went away")
        done.append(pro_id)
        return real_rollup(marketplace=marketplace, pro_id=pro_id)

    monkeypatch.setattr(dirty, "pro_stats_rollup", rollup_failing_on_the_second)
    with pytest.raises(ConnectionError):
        dirty_pros_refresh()
    left = set(DirtyPro.objects.values_list("pro_id", flat=True))
    assert left == {pro.pk for pro in pros} - set(done) and len(left) == 2


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_pass_and_the_pro_sees_its_new_rate(demotion_on):
    pro = ProFactory(marketplace=demotion_on)
    history(pro, answered=1, missed=4)
    with transaction.atomic():
        pros_dirty_mark(marketplace_id=demotion_on.pk, pro_ids=[pro.pk])
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        dirty_pros_refresh_task.delay()
        deadline = time.monotonic() + 20
        while not Pro.objects.get(pk=pro.pk).demoted and time.monotonic() < deadline:
            time.sleep(0.1)
    assert Pro.objects.get(pk=pro.pk).demoted is True
    assert not DirtyPro.objects.exists()
