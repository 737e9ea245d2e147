"""Benchmark of the ranking rollup (issue 6) and the ranked pro list.

Seeds (set-based SQL, ``generate_series``) 100,000 pros and 5,000,000 leads received over
90 days into a marketplace of its own, then in the same run times:

- the product's rollup (``ranking.services.pro_stats_rollup``): rates, medians, demotion,
  rank score, one bulk UPDATE, the daily snapshot and standing upserts;
- the lower bound: one plain SQL ``GROUP BY`` computing the same responded/due counts;
- the pro-list query (``pros.selectors.pro_public_list``, first page) for (category, area)
  pairs: p50/p95.

``BENCH_SCALE`` (default 1.0) scales pros and leads. Seeding is skipped when the marketplace
of this scale already holds the data (the run is repeatable).
Run: ``make bench`` (all benchmarks) or ``python -m bench.bench_rollup`` with DATABASE_URL set.
"""

from __future__ import annotations

import logging
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ.setdefault("DJANGO_ENV", "development")
django.setup()
# The notifications run eagerly here; one log line per task would bury the figures.
logging.getLogger("celery.app.trace").setLevel(logging.WARNING)

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from marketplace.models import Marketplace, MarketplacePolicy  # noqa: E402
from pros.models import Category, Pro  # noqa: E402
from pros.selectors import pro_public_list  # noqa: E402
from ranking.services import pro_stats_rollup  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
N_PROS = max(int(100_000 * SCALE), 50)
N_LEADS = max(int(5_000_000 * SCALE), 1_000)
LEADS_PER_REQUEST = 5
N_CATEGORIES = 20
N_AREAS = 200
DAYS = 90
LIST_SAMPLES = 200

_FILLERS = {
    "character varying": "''",
    "text": "''",
    "boolean": "false",
    "smallint": "0",
    "integer": "0",
    "bigint": "0",
    "double precision": "0",
    "numeric": "0",
    "jsonb": "'{}'::jsonb",
    "timestamp with time zone": "now()",
    "date": "current_date",
}


def _insert(cursor, table: str, values: dict[str, str], source: str) -> None:
    """INSERT INTO table SELECT <values> FROM <source>, filling any other NOT NULL column
    without a default (columns other apps may add later) with a neutral value."""
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND column_name <> 'id'",
        [table],
    )
    for column, data_type in cursor.fetchall():
        if column not in values:
            values[column] = _FILLERS.get(data_type, "''")
    columns = ", ".join(values)
    expressions = ", ".join(values.values())
    cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {expressions} FROM {source}")  # noqa: S608


def _seed(marketplace: Marketplace) -> None:
    m = marketplace.pk
    n_requests = N_LEADS // LEADS_PER_REQUEST
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        _insert(
            cursor,
            "pros_category",
            {
                "marketplace_id": str(m),
                "slug": "'cat-' || g",
                "name": "'Category ' || g",
                "questions": "'[]'::jsonb",
                "is_active": "true",
            },
            f"generate_series(1, {N_CATEGORIES}) g",
        )
        _insert(
            cursor,
            "marketplace_user",
            {
                "marketplace_id": str(m),
                "email": "'bench-homeowner@example.test'",
                "name": "'Bench'",
                "password": "'!'",
                "role": "'homeowner'",
                "is_active": "true",
                "is_staff": "false",
                "is_superuser": "false",
                "date_joined": "now()",
            },
            "generate_series(1, 1) g",
        )
        cursor.execute("SELECT id FROM marketplace_user WHERE marketplace_id = %s", [m])
        homeowner_id = cursor.fetchone()[0]
        cursor.execute("SELECT min(id) FROM pros_category WHERE marketplace_id = %s", [m])
        category_base = cursor.fetchone()[0]
        _insert(
            cursor,
            "pros_pro",
            {
                "marketplace_id": str(m),
                "name": "'Bench Pro ' || g",
                "slug": "'bench-pro-' || g",
                "photos": "'[]'::jsonb",
                "tier": "CASE WHEN g % 4 = 0 THEN 'brand_builder' ELSE 'basic' END",
                "paused": "false",
                "suspended": "false",
                "star_score": "(40 + (g * 37) % 61)",
                "review_count": "(g * 13) % 80",
                "completeness": "(30 + (g * 7) % 71)",
                "demoted": "false",
                "rank_score": "0",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(1, {N_PROS}) g",
        )
        cursor.execute("SELECT min(id) FROM pros_pro WHERE marketplace_id = %s", [m])
        pro_base = cursor.fetchone()[0]
        # Each pro serves 2 areas and 1-2 categories.
        _insert(
            cursor,
            "pros_proarea",
            {
                "marketplace_id": str(m),
                "pro_id": "p.id",
                "area": f"'A' || lpad(((p.id * 31 + k * 97) % {N_AREAS})::text, 3, '0')",
            },
            f"pros_pro p CROSS JOIN generate_series(0, 1) k WHERE p.marketplace_id = {m}",
        )
        _insert(
            cursor,
            "pros_service",
            {
                "marketplace_id": str(m),
                "pro_id": "p.id",
                "category_id": f"{category_base} + (p.id + k * 7) % {N_CATEGORIES}",
                "title": "'Service'",
                "promotion_enabled": "false",
                "condition_areas": "'[]'::jsonb",
                "condition_attributes": "'{}'::jsonb",
                "condition_lead_time_days": "0",
                "is_active": "true",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"pros_pro p CROSS JOIN generate_series(0, 1) k WHERE p.marketplace_id = {m} AND (k = 0 OR p.id % 2 = 0)",
        )
        _insert(
            cursor,
            "leads_quoterequest",
            {
                "marketplace_id": str(m),
                "homeowner_id": str(homeowner_id),
                "category_id": f"{category_base} + g % {N_CATEGORIES}",
                "source": "'platform'",
                "postal_code": "'A001'",
                "area": "'A001'",
                "description": "'Bench job'",
                "answers": "'{}'::jsonb",
                "contact_name": "'Bench'",
                "status": "'open'",
                "created_at": f"now() - (random() * interval '{DAYS} days')",
            },
            f"generate_series(1, {n_requests}) g",
        )
        cursor.execute("SELECT min(id) FROM leads_quoterequest WHERE marketplace_id = %s", [m])
        request_base = cursor.fetchone()[0]
        # Lead g: request g/5, five distinct pros per request; a fifth of the pros answer
        # about half their leads (the demoted population), the rest about 90%.
        spread = max(N_PROS // LEADS_PER_REQUEST, 1)
        _insert(
            cursor,
            "leads_lead",
            {
                "marketplace_id": str(m),
                "request_id": "x.request_id",
                "pro_id": "x.pro_id",
                "kind": "x.kind",
                "status": "x.status",
                "deadline": "x.deadline",
                "fee_amount": "1500",
                "fee_currency": "'CAD'",
                "created_at": "x.created_at",
                "responded_at": "CASE WHEN x.status IN ('accepted', 'rejected') "
                "THEN x.created_at + random() * interval '20 hours' END",
            },
            f"""(
                SELECT y.*, CASE
                    WHEN y.kind = 'promotion' THEN 'accepted'
                    WHEN y.deadline > now() AND y.r < 0.6 THEN 'pending'
                    WHEN y.r < y.answer_p * 0.66 THEN 'accepted'
                    WHEN y.r < y.answer_p THEN 'rejected'
                    WHEN y.r < y.answer_p + 0.03 THEN 'filled'
                    ELSE 'expired' END AS status
                FROM (
                    SELECT z.*, z.created_at + CASE WHEN z.kind = 'matched' THEN interval '24 hours'
                                                    ELSE interval '72 hours' END AS deadline
                    FROM (
                        SELECT {request_base} + (g - 1) / {LEADS_PER_REQUEST} AS request_id,
                               {pro_base} + (((g - 1) / {LEADS_PER_REQUEST}) * 7
                                             + ((g - 1) % {LEADS_PER_REQUEST}) * {spread}) % {N_PROS} AS pro_id,
                               CASE WHEN g % 10 = 0 THEN 'promotion' WHEN g % 3 = 0 THEN 'matched' ELSE 'new' END
                                   AS kind,
                               now() - (random() * interval '{DAYS} days') AS created_at,
                               random() AS r,
                               CASE WHEN (((g - 1) / {LEADS_PER_REQUEST}) * 7
                                          + ((g - 1) % {LEADS_PER_REQUEST}) * {spread}) % 5 = 0
                                    THEN 0.5 ELSE 0.9 END AS answer_p
                        FROM generate_series(1, {N_LEADS}) g
                    ) z
                ) y
            ) x""",  # noqa: S608
        )
    with connection.cursor() as cursor:
        for table in ("pros_pro", "pros_proarea", "pros_service", "leads_quoterequest", "leads_lead"):
            cursor.execute(f"ANALYZE {table}")


def _lower_bound(marketplace: Marketplace, now) -> tuple[float, int, int]:
    policy = marketplace.policy
    since = now - timezone.timedelta(days=policy.response_window_days)
    sql = """
        SELECT COALESCE(SUM(responded), 0), COALESCE(SUM(due), 0) FROM (
            SELECT pro_id,
                   COUNT(*) FILTER (WHERE status IN ('accepted', 'rejected')
                                       OR (status IN ('filled', 'withdrawn') AND responded_at IS NOT NULL))
                       AS responded,
                   COUNT(*) FILTER (WHERE status IN ('accepted', 'rejected', 'expired')
                                       OR (status IN ('filled', 'withdrawn') AND responded_at IS NOT NULL)
                                       OR (status = 'pending' AND deadline <= %(now)s)) AS due
            FROM leads_lead
            WHERE marketplace_id = %(m)s AND kind IN ('new', 'matched') AND created_at >= %(since)s
            GROUP BY pro_id
        ) s
    """
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(sql, {"m": marketplace.pk, "now": now, "since": since})
        responded, due = cursor.fetchone()
        return time.perf_counter() - start, int(responded), int(due)


def _pro_list_p95(marketplace: Marketplace) -> tuple[float, float]:
    categories = list(Category.objects.filter(marketplace=marketplace).order_by("pk"))
    timings = []
    for i in range(LIST_SAMPLES):
        category = categories[(i * 7) % len(categories)]
        area = f"A{(i * 37) % N_AREAS:03d}"
        start = time.perf_counter()
        page = list(pro_public_list(marketplace=marketplace, category=category, area=area)[:20])
        timings.append(time.perf_counter() - start)
        assert len(page) <= 20
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    slug = f"bench-rank-{N_PROS}"
    marketplace, _ = Marketplace.objects.get_or_create(
        slug=slug, defaults={"name": f"Bench ranking {N_PROS}", "currency": "CAD", "postal_scheme": "ca_fsa"}
    )
    MarketplacePolicy.objects.update_or_create(
        marketplace=marketplace, defaults={"response_rate_demotion_enabled": True}
    )
    marketplace.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM leads_lead WHERE marketplace_id = %s", [marketplace.pk])
        existing = cursor.fetchone()[0]
    if existing != N_LEADS or Pro.objects.filter(marketplace=marketplace).count() != N_PROS:
        if existing:
            raise SystemExit(f"{slug} holds a partial seed ({existing} leads): drop the bench database and rerun")
        start = time.perf_counter()
        _seed(marketplace)
        print(f"seeded {N_PROS:,} pros and {N_LEADS:,} leads over {DAYS} days in {time.perf_counter() - start:.1f}s")
    else:
        print(f"reusing {N_PROS:,} pros and {N_LEADS:,} leads")

    now = timezone.now()
    # Priming: the first rollup of a fresh seed demotes a fifth of the pros at once; it runs
    # without notifications (a backfill), so the measured runs are the steady state.
    start = time.perf_counter()
    pro_stats_rollup(marketplace=marketplace, now=now, notify=False)
    priming = time.perf_counter() - start
    # Rerun at the same instant: nothing changed, nothing is rewritten (an hourly rerun).
    start = time.perf_counter()
    pro_stats_rollup(marketplace=marketplace, now=now)
    rerun = time.perf_counter() - start
    # A day later: the window, the deadlines and every active pro's activity factor move, so
    # (almost) every pro, snapshot and standing row is written: the nightly worst case.
    now = now + timezone.timedelta(days=1)
    start = time.perf_counter()
    result = pro_stats_rollup(marketplace=marketplace, now=now)
    nightly = time.perf_counter() - start
    bound, responded, due = _lower_bound(marketplace, now)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(responded_count), 0), COALESCE(SUM(due_count), 0) FROM ranking_prostanding "
            "WHERE marketplace_id = %s",
            [marketplace.pk],
        )
        rolled_responded, rolled_due = (int(v) for v in cursor.fetchone())
    assert (rolled_responded, rolled_due) == (responded, due), "rollup and GROUP BY disagree"
    core = nightly - result.notify_seconds
    print(
        f"rollup next day: {nightly:.2f}s, of which {result.notify_seconds:.2f}s notifying "
        f"{len(result.newly_demoted) + len(result.restored) + len(result.warned):,} pros (Celery eager in the "
        f"bench: their e-mail tasks run inline) -> {core:.2f}s computing and writing every row"
    )
    print(
        f"rerun with no change: {rerun:.2f}s; priming (fresh seed, no notifications): {priming:.2f}s; "
        f"{result.pro_count:,} pros, {result.lead_count:,} leads in window, {result.demoted_count:,} demoted, "
        f"{result.at_risk_count:,} at risk"
    )
    print(f"plain SQL GROUP BY (same rates): {bound:.2f}s; responded {responded:,} / due {due:,}")
    print(f"ratio rollup / GROUP BY: {core / bound:.1f}x next day (without notifying), {rerun / bound:.1f}x rerun")
    p50, p95 = _pro_list_p95(marketplace)
    print(
        f"pro list (category, area) first page over {LIST_SAMPLES} pairs: p50 {p50 * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
