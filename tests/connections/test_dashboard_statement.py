"""The dashboard's rollup figures are one statement on PostgreSQL, an index-only scan of the
pro's rows, and equal to the ORM's figures (the portable path `make run`'s SQLite uses)."""

import datetime as dt
import random

import pytest
from django.db import connection

from connections.models import ConnectionDaily
from connections.selectors import (
    KINDS,
    Bucket,
    DateRange,
    _rollup_figures,
    _rollup_figures_portable,
    _rollup_statement,
    connection_dashboard,
)
from tests.factories import ProFactory

pytestmark = pytest.mark.django_db

# One statement, one round trip: the rollups (series, totals, sources, previous totals), the
# closed loop's leads per kind and what the ledger says was paid for them (UNION ALL).
DASHBOARD_STATEMENTS = 1


def _seed(marketplace, pros, start: dt.date, days: int, seed: int) -> None:
    rng = random.Random(seed)
    rows = []
    for pro in pros:
        for offset in range(days):
            for kind in rng.sample(KINDS, rng.randint(0, 3)):
                for source in rng.sample(["", "google", "flyer"], rng.randint(1, 2)):
                    rows.append(
                        ConnectionDaily(
                            marketplace=marketplace,
                            pro=pro,
                            day=start + dt.timedelta(days=offset),
                            kind=kind,
                            source=source,
                            count=rng.randint(1, 9),
                        )
                    )
    ConnectionDaily.objects.bulk_create(rows)


@pytest.mark.parametrize("bucket", Bucket.CHOICES)
@pytest.mark.parametrize("whole_marketplace", [False, True])
def test_the_one_statement_and_the_orm_give_the_same_figures(marketplace, bucket, whole_marketplace):
    pros = [ProFactory(marketplace=marketplace) for _ in range(3)]
    _seed(marketplace, pros, dt.date(2025, 12, 20), 120, seed=len(bucket) + whole_marketplace)
    pro = None if whole_marketplace else pros[0]
    period = DateRange(dt.date(2026, 2, 3), dt.date(2026, 3, 29))  # a Tuesday to a Sunday, mid-month
    previous = period.previous()

    one = _rollup_figures(marketplace=marketplace, period=period, bucket=bucket, pro=pro, previous=previous)
    orm = _rollup_figures_portable(marketplace=marketplace, period=period, bucket=bucket, pro=pro, previous=previous)

    assert one == orm
    assert sum(one.previous_totals.values()) > 0 and len(one.sources) > 1


def test_an_empty_range_has_zero_figures_and_every_bucket(marketplace):
    pro = ProFactory(marketplace=marketplace)
    period = DateRange(dt.date(2026, 1, 1), dt.date(2026, 1, 31))

    figures = _rollup_figures(marketplace=marketplace, period=period, bucket=Bucket.WEEK, pro=pro, previous=None)

    assert [point["bucket"] for point in figures.series][:2] == [dt.date(2025, 12, 29), dt.date(2026, 1, 5)]
    assert figures.totals == dict.fromkeys(KINDS, 0) and figures.sources == []


def test_the_dashboard_is_one_statement(marketplace, django_assert_num_queries):
    pro = ProFactory(marketplace=marketplace)
    _seed(marketplace, [pro], dt.date(2026, 1, 1), 30, seed=1)

    with django_assert_num_queries(DASHBOARD_STATEMENTS):
        connection_dashboard(
            marketplace=marketplace, period=DateRange(dt.date(2026, 1, 1), dt.date(2026, 1, 30)), bucket="day", pro=pro
        )


def test_the_pro_dashboard_reads_only_the_covering_index(marketplace):
    pros = [ProFactory(marketplace=marketplace) for _ in range(4)]
    _seed(marketplace, pros, dt.date(2026, 1, 1), 60, seed=2)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test-sized table: judge the index, not the size
        sql, params = _rollup_statement(
            marketplace=marketplace,
            period=DateRange(dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
            bucket=Bucket.DAY,
            pro=pros[0],
            previous=DateRange(dt.date(2026, 1, 4), dt.date(2026, 1, 31)),
        )
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "connection_daily_pro_idx" in plan, plan  # an index-only scan once the pages are all-visible


def test_the_closed_loop_compiled_once_is_bound_to_each_requests_pro_marketplace_and_range(
    marketplace, other_marketplace
):
    from marketplace.localtime import local_today
    from tests.factories import LeadFactory

    first, second = ProFactory(marketplace=marketplace), ProFactory(marketplace=marketplace)
    stranger = ProFactory(marketplace=other_marketplace)
    for pro, n in ((first, 2), (second, 1), (stranger, 4)):
        for _ in range(n):
            LeadFactory(marketplace=pro.marketplace, pro=pro, kind="new")
    today = local_today(marketplace=marketplace)
    this_month = DateRange(today - dt.timedelta(days=29), today)
    last_year = DateRange(today - dt.timedelta(days=400), today - dt.timedelta(days=40))

    def profile_leads(pro, period, in_marketplace=marketplace):
        loop = connection_dashboard(marketplace=in_marketplace, period=period, bucket="week", pro=pro)["closed_loop"]
        return next(row["leads"] for row in loop if row["source"] == "profile")

    assert [profile_leads(first, this_month), profile_leads(second, this_month), profile_leads(None, this_month)] == [
        2,
        1,
        3,
    ]
    assert profile_leads(None, this_month, in_marketplace=other_marketplace) == 4
    assert profile_leads(first, last_year) == 0
