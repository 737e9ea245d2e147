"""In-process latency of ``GET /api/v1/pro/leads/`` and ``GET /api/v1/pros/`` beside hand-written
SQL producing the same page, on the world of ``tests/proof/test_list_plans.py`` (a pro with
1,000 leads among 12,000; ``LIST_PLANS_PROS`` listed pros). Not a test: run it by hand,

    LIST_PLANS_PROS=20000 SKIP_LINT=1 bash scripts/test.sh scripts/measure_lists.py -q -s -p no:randomly

It prints p50/p95 over ``MEASURE_REQUESTS`` (200) requests per path, the statements of one
request, and the same figures for the hand-written SQL. The machine is shared: read the
statements and plans (the proof test) first, the milliseconds second.
"""

from __future__ import annotations

import os
import statistics
import time

from django.db import connection

from tests.conftest import MarketplaceClient
from tests.proof.test_list_plans import world  # noqa: F401 - the seeded world fixture

REQUESTS = int(os.environ.get("MEASURE_REQUESTS", "200"))


def _time(call) -> tuple[float, float]:
    for _ in range(10):
        call()
    samples = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def _sql(statements: list[tuple[str, list]]):
    def run():
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    return run


def _report(name: str, client: MarketplaceClient, path: str, hand: list[tuple[str, list]]) -> None:
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(f"{(time.perf_counter() - start) * 1000:7.2f} ms  {sql[:150]}")

    client.get(path)  # warm: the statements below are those of a warm request
    with connection.execute_wrapper(count):
        response = client.get(path)
    assert response.status_code == 200 and response.json()["results"], response.content[:200]
    if os.environ.get("MEASURE_VERBOSE"):
        print("\n".join(statements))
    p50, p95 = _time(lambda: client.get(path))
    h50, h95 = _time(_sql(hand))
    print(
        f"{name:<28} statements {len(statements):>2}  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms   "
        f"hand SQL ({len(hand)} statements) p50 {h50:5.2f} ms  p95 {h95:5.2f} ms   "
        f"p95 ratio {p95 / h95:4.1f}x"
    )


def test_measure(world, db):  # noqa: F811 - the fixture imported above
    marketplace, pro = world.marketplace, world.pro_user.pro
    leads_page = (
        "SELECT l.request_id, l.*, r.*, c.* FROM leads_lead l JOIN leads_quoterequest r ON r.id = l.request_id "
        "JOIN pros_category c ON c.id = r.category_id WHERE l.marketplace_id = %s AND l.pro_id = %s "
        "ORDER BY l.created_at DESC, l.id DESC LIMIT 20"
    )
    with connection.cursor() as cursor:
        cursor.execute(leads_page, [marketplace.pk, pro.pk])
        request_ids = sorted({row[0] for row in cursor.fetchall()})
    _report(
        "GET /pro/leads/",
        MarketplaceClient(marketplace, world.pro_user),
        "/api/v1/pro/leads/",
        [
            ("SELECT count(*) FROM leads_lead WHERE marketplace_id = %s AND pro_id = %s", [marketplace.pk, pro.pk]),
            (leads_page, [marketplace.pk, pro.pk]),
            (
                "SELECT request_id, count(*), count(*) FILTER (WHERE status = 'accepted') FROM leads_lead "
                "WHERE request_id = ANY(%s) GROUP BY request_id",
                [request_ids],
            ),
        ],
    )
    listed = (
        "FROM pros_pro p WHERE p.marketplace_id = %s AND NOT p.paused AND NOT p.suspended AND EXISTS "
        "(SELECT 1 FROM pros_service s WHERE s.pro_id = p.id AND s.marketplace_id = %s AND s.is_active) "
        "ORDER BY p.rank_score DESC, p.star_score DESC, p.review_count DESC, p.id"
    )
    instant = "EXISTS (SELECT 1 FROM pros_service s WHERE s.pro_id = p.id AND s.is_active AND s.promotion_enabled)"
    _report(
        "GET /pros/ (no filter)",
        MarketplaceClient(marketplace),
        "/api/v1/pros/",
        [
            (f"SELECT p.*, {instant} {listed} LIMIT 20", [marketplace.pk] * 2),  # noqa: S608 - constant SQL
            (f"SELECT count(*) FROM (SELECT p.id {listed} LIMIT 1001) page", [marketplace.pk] * 2),  # noqa: S608
        ],
    )
