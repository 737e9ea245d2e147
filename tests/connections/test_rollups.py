import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from connections.models import ClickGate, ConnectionDaily, ConnectionEvent, ConnectionKind, ConnectionSettings
from connections.services import connection_events_prune, connection_rollup
from connections.tasks import connections_prune, connections_rollup
from tests.factories import ClickGateFactory, ConnectionEventFactory, ProFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def counts(pro):
    return {(r.day, r.kind, r.source): r.count for r in ConnectionDaily.objects.filter(pro=pro)}


def test_events_fall_on_the_marketplace_local_day_at_the_midnight_edge(marketplace):
    pro = ProFactory(marketplace=marketplace)  # America/Toronto, UTC-5 in March before DST
    ConnectionEventFactory(marketplace=marketplace, pro=pro, occurred_at=dt.datetime(2026, 3, 2, 4, 59, tzinfo=UTC))
    ConnectionEventFactory(marketplace=marketplace, pro=pro, occurred_at=dt.datetime(2026, 3, 2, 5, 0, tzinfo=UTC))

    connection_rollup(
        marketplace=marketplace,
        start_day=dt.date(2026, 3, 1),
        end_day=dt.date(2026, 3, 2),
        now=dt.datetime(2026, 3, 3, tzinfo=UTC),
    )

    assert counts(pro) == {
        (dt.date(2026, 3, 1), "phone_click", ""): 1,
        (dt.date(2026, 3, 2), "phone_click", ""): 1,
    }


def test_the_same_instant_is_a_different_day_in_another_time_zone(other_marketplace):
    pro = ProFactory(marketplace=other_marketplace)  # Asia/Taipei, UTC+8
    ConnectionEventFactory(
        marketplace=other_marketplace, pro=pro, occurred_at=dt.datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    )

    connection_rollup(
        marketplace=other_marketplace,
        start_day=dt.date(2026, 3, 1),
        end_day=dt.date(2026, 3, 2),
        now=dt.datetime(2026, 3, 3, tzinfo=UTC),
    )

    assert counts(pro) == {(dt.date(2026, 3, 2), "phone_click", ""): 1}


def test_the_rollup_is_idempotent_and_catches_up_with_new_events(marketplace):
    pro = ProFactory(marketplace=marketplace)
    at = dt.datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    now = dt.datetime(2026, 3, 11, tzinfo=UTC)
    day = dt.date(2026, 3, 10)
    for source in ["", "", "flyer"]:
        ConnectionEventFactory(
            marketplace=marketplace, pro=pro, kind=ConnectionKind.WEBSITE_CLICK, occurred_at=at, source=source
        )

    connection_rollup(marketplace=marketplace, start_day=day, end_day=day, now=now)
    first = counts(pro)
    connection_rollup(marketplace=marketplace, start_day=day, end_day=day, now=now)

    assert counts(pro) == first == {(day, "website_click", ""): 2, (day, "website_click", "flyer"): 1}
    assert ConnectionDaily.objects.count() == 2

    ConnectionEventFactory(marketplace=marketplace, pro=pro, kind=ConnectionKind.WEBSITE_CLICK, occurred_at=at)
    connection_rollup(marketplace=marketplace, start_day=day, end_day=day, now=now)

    assert counts(pro)[(day, "website_click", "")] == 3
    assert ConnectionDaily.objects.count() == 2


def test_the_rollup_keeps_marketplaces_apart(marketplace, other_marketplace):
    mine = ProFactory(marketplace=marketplace)
    theirs = ProFactory(marketplace=other_marketplace)
    at = dt.datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    ConnectionEventFactory(marketplace=marketplace, pro=mine, occurred_at=at)
    ConnectionEventFactory(marketplace=other_marketplace, pro=theirs, occurred_at=at)

    connection_rollup(marketplace=marketplace, start_day=dt.date(2026, 3, 10), end_day=dt.date(2026, 3, 10), now=at)

    assert list(ConnectionDaily.objects.values_list("pro_id", flat=True)) == [mine.pk]


def test_pruning_drops_old_raw_events_but_keeps_their_daily_counts(marketplace):
    ConnectionSettings.objects.create(marketplace=marketplace, raw_event_retention_days=30)
    pro = ProFactory(marketplace=marketplace)
    now = dt.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    old_at = now - dt.timedelta(days=31)
    ConnectionEventFactory(marketplace=marketplace, pro=pro, occurred_at=old_at)
    kept = ConnectionEventFactory(marketplace=marketplace, pro=pro, occurred_at=now - dt.timedelta(days=29))
    old_day = old_at.astimezone(ZoneInfo(marketplace.time_zone)).date()
    ConnectionDaily.objects.create(marketplace=marketplace, pro=pro, day=old_day, kind="phone_click", count=1)

    deleted = connection_events_prune(marketplace=marketplace, now=now, batch_size=1)

    assert deleted == 1
    assert list(ConnectionEvent.objects.values_list("pk", flat=True)) == [kept.pk]
    # A later rollup over the pruned day must not shrink its count to zero.
    connection_rollup(marketplace=marketplace, start_day=old_day, end_day=now.date(), now=now)
    assert ConnectionDaily.objects.get(pro=pro, day=old_day).count == 1


def test_pruning_forgets_click_gates_past_the_dedupe_window(marketplace):
    now = timezone.now()
    stale = ClickGateFactory(marketplace=marketplace, counted_at=now - dt.timedelta(days=3))
    fresh = ClickGateFactory(marketplace=marketplace, counted_at=now - dt.timedelta(minutes=5))

    connection_events_prune(marketplace=marketplace, now=now)

    assert set(ClickGate.objects.values_list("pk", flat=True)) == {fresh.pk}
    assert stale.pk != fresh.pk


def test_the_periodic_tasks_roll_up_today_and_prune_every_marketplace(marketplace, other_marketplace):
    pro = ProFactory(marketplace=marketplace)
    ConnectionEventFactory(marketplace=marketplace, pro=pro)
    ConnectionEventFactory(marketplace=marketplace, pro=pro, occurred_at=timezone.now() - dt.timedelta(days=500))

    connections_rollup()
    connections_prune()

    assert ConnectionDaily.objects.get(pro=pro).count == 1
    assert ConnectionEvent.objects.count() == 1


def test_the_demo_seeder_adds_rolled_up_clicks_once(marketplace):
    from connections.demo import seed

    ProFactory(marketplace=marketplace)
    ProFactory(marketplace=marketplace)

    seed(marketplace)
    events = ConnectionEvent.objects.count()
    seed(marketplace)

    assert events > 0 and ConnectionEvent.objects.count() == events
    assert sum(ConnectionDaily.objects.values_list("count", flat=True)) == events


def test_the_nightly_job_catches_up_days_the_frequent_job_missed(marketplace):
    pro = ProFactory(marketplace=marketplace)
    ConnectionEventFactory(marketplace=marketplace, pro=pro, occurred_at=timezone.now() - dt.timedelta(days=4))

    connections_rollup()
    assert not ConnectionDaily.objects.exists()  # only yesterday and today

    connections_prune()

    assert ConnectionDaily.objects.get(pro=pro).count == 1
