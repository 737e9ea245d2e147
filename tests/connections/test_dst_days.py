"""Local days across daylight-saving changes: a 25-hour and a 23-hour day are still one day each."""

import datetime as dt

import pytest

from connections.models import ConnectionDaily
from connections.selectors import Bucket, DateRange, connection_series
from connections.services import connection_rollup
from tests.factories import ConnectionEventFactory, ProFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def rollup(marketplace, first: dt.date, last: dt.date) -> None:
    connection_rollup(marketplace=marketplace, start_day=first, end_day=last, now=dt.datetime(2026, 11, 20, tzinfo=UTC))


def test_the_25_hour_day_when_toronto_falls_back_keeps_all_its_events(marketplace):
    pro = ProFactory(marketplace=marketplace)  # America/Toronto: EDT (UTC-4) until 2026-11-01 02:00, then EST
    instants = [
        dt.datetime(2026, 11, 1, 3, 59, tzinfo=UTC),  # 23:59 EDT on Oct 31
        dt.datetime(2026, 11, 1, 4, 0, tzinfo=UTC),  # 00:00 EDT on Nov 1: the day starts
        dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 01:30 EDT, the first time round
        dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC),  # 01:30 EST, the second time round
        dt.datetime(2026, 11, 2, 4, 59, tzinfo=UTC),  # 23:59 EST on Nov 1: the 25th hour
        dt.datetime(2026, 11, 2, 5, 0, tzinfo=UTC),  # 00:00 EST on Nov 2
    ]
    for at in instants:
        ConnectionEventFactory(marketplace=marketplace, pro=pro, occurred_at=at)
    rollup(marketplace, dt.date(2026, 10, 31), dt.date(2026, 11, 2))

    days = {row.day: row.count for row in ConnectionDaily.objects.filter(pro=pro)}
    assert days == {dt.date(2026, 10, 31): 1, dt.date(2026, 11, 1): 4, dt.date(2026, 11, 2): 1}
    series = connection_series(
        marketplace=marketplace,
        period=DateRange(dt.date(2026, 10, 31), dt.date(2026, 11, 2)),
        bucket=Bucket.DAY,
        pro=pro,
    )
    assert [point["total"] for point in series] == [1, 4, 1]


def test_the_23_hour_day_when_toronto_springs_forward_ends_an_hour_early(marketplace):
    pro = ProFactory(marketplace=marketplace)  # EST (UTC-5) until 2026-03-08 02:00, then EDT (UTC-4)
    ConnectionEventFactory(marketplace=marketplace, pro=pro, occurred_at=dt.datetime(2026, 3, 9, 3, 59, tzinfo=UTC))
    ConnectionEventFactory(marketplace=marketplace, pro=pro, occurred_at=dt.datetime(2026, 3, 9, 4, 0, tzinfo=UTC))
    connection_rollup(
        marketplace=marketplace,
        start_day=dt.date(2026, 3, 8),
        end_day=dt.date(2026, 3, 9),
        now=dt.datetime(2026, 3, 10, tzinfo=UTC),
    )
    days = {row.day: row.count for row in ConnectionDaily.objects.filter(pro=pro)}
    assert days == {dt.date(2026, 3, 8): 1, dt.date(2026, 3, 9): 1}  # 23:59 EDT on the 8th, midnight on the 9th
