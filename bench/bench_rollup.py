"""Benchmark of the ranking rollup (issue 6) beside hand-written SQL producing the same outputs.

Seeds (set-based SQL, ``generate_series``) 100,000 pros and 5,000,000 leads received over
90 days into a marketplace of its own, then in the same run times, a day after a priming run
(every pro's figures move: the nightly worst case), on the same committed state each time
(each run is rolled back after its outputs are read):

- the product's rollup (``ranking.services.pro_stats_rollup``, without notifications): rates,
  medians, demotion, rank score, the bulk UPDATE of pros, the daily snapshot and standing
  upserts, the list of pros to notify;
- the lower bound: one hand-written statement (writable CTEs) computing the same figures and
  writing the same rows. The pros' figures, today's snapshots, the standings, the summary and
  the pros to notify must be equal on both sides (digests of the rows; printed and recorded).

``BENCH_SCALE`` (default 1.0) scales pros and leads. Seeding is skipped when the marketplace
of this scale already holds the data (the run is repeatable).
Run: ``make bench`` (all benchmarks) or ``python -m bench.bench_rollup`` with DATABASE_URL set.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ.setdefault("DJANGO_ENV", "development")
django.setup()
# The notifications run eagerly here; one log line per task would bury the figures.
logging.getLogger("celery.app.trace").setLevel(logging.WARNING)

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import results  # noqa: E402
from marketplace.models import Marketplace, MarketplacePolicy  # noqa: E402
from pros.models import Pro  # noqa: E402
from ranking.services import pro_stats_rollup  # noqa: E402

SCALE = results.scale()
N_PROS = max(int(100_000 * SCALE), 50)
N_LEADS = max(int(5_000_000 * SCALE), 1_000)
LEADS_PER_REQUEST = 5
N_CATEGORIES = 20
N_AREAS = 200
DAYS = 90

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


# The rollup's outputs written by hand: one statement (writable CTEs) computing every pro's
# counts, rate, median, demotion, at-risk flag and rank score, updating pros_pro, upserting
# today's snapshots and the standings, and returning the changes and the summary.
HAND_ROLLUP_SQL = """
WITH stats AS (
    SELECT w.pro_id, COUNT(*) AS lead_count,
           COUNT(*) FILTER (WHERE w.responded) AS responded,
           COUNT(*) FILTER (WHERE w.responded OR w.missed) AS due,
           MAX(w.responded_at) FILTER (WHERE w.responded) AS last_response_at,
           percentile_cont(0.5) WITHIN GROUP (
               ORDER BY CAST(EXTRACT(EPOCH FROM (w.responded_at - w.created_at)) AS double precision))
               FILTER (WHERE w.responded AND w.responded_at IS NOT NULL) AS median_seconds
    FROM (
        SELECT pro_id, created_at, responded_at,
               status IN ('accepted', 'rejected')
                   OR (status IN ('filled', 'withdrawn') AND responded_at IS NOT NULL) AS responded,
               status = 'expired' OR (status = 'pending' AND deadline <= %(now)s) AS missed
        FROM leads_lead
        WHERE marketplace_id = %(m)s AND kind IN ('new', 'matched') AND created_at >= %(since)s
    ) w
    GROUP BY w.pro_id
), base AS (
    SELECT p.id AS pro_id, p.star_score, p.review_count, p.completeness, p.tier,
           p.demoted AS demoted_old, p.demoted_since, COALESCE(st.at_risk, false) AS at_risk_old,
           st.pro_id IS NULL OR st.responded_count <> COALESCE(s.responded, 0)
               OR st.due_count <> COALESCE(s.due, 0) AS standing_counts_changed,
           p.response_rate AS old_rate, p.median_response_seconds AS old_median,
           p.last_active_at AS old_active, p.rank_score AS old_rank,
           COALESCE(s.lead_count, 0) AS lead_count, COALESCE(s.responded, 0) AS responded,
           COALESCE(s.due, 0) AS due,
           CASE WHEN COALESCE(s.due, 0) >= %(min_sample)s THEN ROUND(s.responded * 1.0 / s.due, 3) END
               AS response_rate,
           CAST(ROUND(s.median_seconds) AS INTEGER) AS median_seconds,
           GREATEST(p.last_active_at, s.last_response_at) AS last_active_at
    FROM pros_pro p
    LEFT JOIN stats s ON s.pro_id = p.id
    LEFT JOIN ranking_prostanding st ON st.pro_id = p.id
    WHERE p.marketplace_id = %(m)s
), flags AS (
    SELECT b.*,
           %(enabled)s AND b.due >= %(min_sample)s AND b.responded * 1000 < %(threshold_milli)s * b.due
               AS demoted_new,
           CAST(EXTRACT(EPOCH FROM (%(now)s - b.last_active_at)) AS double precision) AS idle_seconds
    FROM base b
), calc AS (
    SELECT f.*,
           NOT f.demoted_new AND %(enabled)s AND f.due + 1 >= %(min_sample)s
               AND f.responded * 1000 < %(threshold_milli)s * (f.due + 1) AS at_risk,
           (  %(w_star)s * (f.star_score / 100.0)
            + %(w_reviews)s * (f.review_count * 1.0 / (f.review_count + %(review_half)s))
            + %(w_completeness)s * (f.completeness / 100.0)
            + %(w_rate)s * (CASE WHEN f.due >= %(min_sample)s THEN f.responded * 1.0 / f.due ELSE %(threshold)s END)
            + %(w_time)s * (CASE WHEN f.median_seconds IS NULL THEN 0.5
                                 ELSE %(time_half)s / (%(time_half)s + f.median_seconds) END)
            + %(w_member)s * (CASE WHEN f.tier = %(member_tier)s THEN 1.0 ELSE 0.0 END)
            + %(w_activity)s * (CASE WHEN f.last_active_at IS NULL THEN 0.0
                                     WHEN f.idle_seconds < 86400 THEN 1.0
                                     ELSE POWER(0.5, FLOOR(f.idle_seconds / 86400.0) / %(activity_half)s) END)
           ) * 100.0 / %(w_total)s * CASE WHEN f.demoted_new THEN %(demotion_factor)s ELSE 1.0 END AS rank_score
    FROM flags f
), changed AS (
    SELECT c.*,
           c.old_rate IS DISTINCT FROM c.response_rate OR c.old_median IS DISTINCT FROM c.median_seconds
           OR c.old_active IS DISTINCT FROM c.last_active_at OR c.demoted_old <> c.demoted_new
           OR (c.demoted_new AND c.demoted_since IS NULL) OR (NOT c.demoted_new AND c.demoted_since IS NOT NULL)
           OR c.old_rank IS DISTINCT FROM c.rank_score AS pro_changed
    FROM calc c
), pros_written AS (
    UPDATE pros_pro p SET
        response_rate = c.response_rate, median_response_seconds = c.median_seconds,
        last_active_at = c.last_active_at, demoted = c.demoted_new,
        demoted_since = CASE WHEN c.demoted_new AND c.demoted_old THEN COALESCE(c.demoted_since, %(now)s)
                             WHEN c.demoted_new THEN %(now)s END,
        rank_score = c.rank_score
    FROM changed c
    WHERE p.id = c.pro_id AND c.pro_changed
    RETURNING 1
), snapshots_written AS (
    INSERT INTO ranking_prodailysnapshot
        (marketplace_id, pro_id, day, responded_count, due_count, response_rate, median_response_seconds,
         demoted, at_risk, rank_score, star_score, review_count, computed_at)
    SELECT %(m)s, c.pro_id, %(day)s, c.responded, c.due, c.response_rate, c.median_seconds, c.demoted_new,
           c.at_risk, c.rank_score, c.star_score, c.review_count, %(now)s
    FROM calc c
    ON CONFLICT (pro_id, day) DO UPDATE SET
        responded_count = excluded.responded_count, due_count = excluded.due_count,
        response_rate = excluded.response_rate, median_response_seconds = excluded.median_response_seconds,
        demoted = excluded.demoted, at_risk = excluded.at_risk, rank_score = excluded.rank_score,
        star_score = excluded.star_score, review_count = excluded.review_count, computed_at = excluded.computed_at
    WHERE ranking_prodailysnapshot.rank_score IS DISTINCT FROM excluded.rank_score
       OR ranking_prodailysnapshot.due_count <> excluded.due_count
       OR ranking_prodailysnapshot.responded_count <> excluded.responded_count
       OR ranking_prodailysnapshot.median_response_seconds IS DISTINCT FROM excluded.median_response_seconds
       OR ranking_prodailysnapshot.demoted <> excluded.demoted
       OR ranking_prodailysnapshot.at_risk <> excluded.at_risk
       OR ranking_prodailysnapshot.star_score <> excluded.star_score
       OR ranking_prodailysnapshot.review_count <> excluded.review_count
    RETURNING 1
), standings_written AS (
    INSERT INTO ranking_prostanding (marketplace_id, pro_id, responded_count, due_count, at_risk, computed_at)
    SELECT %(m)s, c.pro_id, c.responded, c.due, c.at_risk, %(now)s FROM changed c
    -- As the job: only a standing whose counts or warning changed, or whose pro was rewritten.
    WHERE c.standing_counts_changed OR c.at_risk <> c.at_risk_old OR c.pro_changed
    ON CONFLICT (pro_id) DO UPDATE SET
        responded_count = excluded.responded_count, due_count = excluded.due_count,
        at_risk = excluded.at_risk, computed_at = excluded.computed_at
    RETURNING 1
)
SELECT (SELECT COUNT(*) FROM pros_written), (SELECT COUNT(*) FROM snapshots_written),
       (SELECT COUNT(*) FROM standings_written),
       COUNT(*), COALESCE(SUM(c.lead_count), 0), COUNT(*) FILTER (WHERE c.demoted_new),
       COUNT(*) FILTER (WHERE c.at_risk),
       array_agg(c.pro_id ORDER BY c.pro_id) FILTER (WHERE c.demoted_new AND NOT c.demoted_old),
       array_agg(c.pro_id ORDER BY c.pro_id) FILTER (WHERE c.demoted_old AND NOT c.demoted_new),
       array_agg(c.pro_id ORDER BY c.pro_id) FILTER (WHERE c.demoted_old = c.demoted_new AND c.at_risk
                                                      AND NOT c.at_risk_old)
FROM calc c
"""

# What the rollup leaves behind, as one comparable digest per table (rank scores to 9 places).
OUTPUT_DIGEST_SQL = """
SELECT
  (SELECT md5(string_agg(concat_ws(',', id, response_rate, median_response_seconds, last_active_at, demoted,
                                   demoted_since, round(rank_score::numeric, 9)), '|' ORDER BY id))
   FROM pros_pro WHERE marketplace_id = %(m)s),
  (SELECT md5(string_agg(concat_ws(',', pro_id, responded_count, due_count, response_rate, median_response_seconds,
                                   demoted, at_risk, round(rank_score::numeric, 9), star_score, review_count,
                                   computed_at), '|' ORDER BY pro_id))
   FROM ranking_prodailysnapshot WHERE marketplace_id = %(m)s AND day = %(day)s),
  (SELECT md5(string_agg(concat_ws(',', pro_id, responded_count, due_count, at_risk, computed_at), '|'
                         ORDER BY pro_id))
   FROM ranking_prostanding WHERE marketplace_id = %(m)s)
"""


def _hand_params(marketplace: Marketplace, now) -> dict:
    """The policy's and weights' numbers, read from their rows as the job reads them."""
    from zoneinfo import ZoneInfo

    from ranking.models import RankingPolicy

    policy = MarketplacePolicy.objects.get(marketplace=marketplace)
    weights, _ = RankingPolicy.objects.get_or_create(marketplace=marketplace)
    return {
        "m": marketplace.pk,
        "now": now,
        "since": now - timezone.timedelta(days=policy.response_window_days),
        "day": timezone.localdate(now, ZoneInfo(marketplace.time_zone or "UTC")),
        "enabled": bool(policy.response_rate_demotion_enabled),
        "min_sample": int(policy.response_min_sample),
        "threshold_milli": int(Decimal(policy.response_rate_threshold) * 1000),
        "threshold": float(policy.response_rate_threshold),
        "demotion_factor": float(policy.demotion_factor),
        "w_star": float(weights.weight_star_score),
        "w_reviews": float(weights.weight_review_volume),
        "w_completeness": float(weights.weight_completeness),
        "w_rate": float(weights.weight_response_rate),
        "w_time": float(weights.weight_response_time),
        "w_member": float(weights.weight_membership),
        "w_activity": float(weights.weight_activity),
        "w_total": float(max(weights.weight_total, 1)),
        "review_half": float(weights.review_volume_half),
        "time_half": float(weights.response_time_half_hours * 3600),
        "activity_half": float(weights.activity_half_life_days),
        "member_tier": "brand_builder",
    }


def _digest(marketplace: Marketplace, day) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(OUTPUT_DIGEST_SQL, {"m": marketplace.pk, "day": day})
        return cursor.fetchone()


def _product_run(marketplace: Marketplace, now) -> tuple[float, int, tuple, dict]:
    """The job on the committed state, rolled back after its outputs are read."""
    day = _hand_params(marketplace, now)["day"]
    with transaction.atomic():
        counter = results.StatementCounter()
        with counter.active():
            start = time.perf_counter()
            result = pro_stats_rollup(marketplace=marketplace, now=now, notify=False)
            seconds = time.perf_counter() - start
        outputs = {
            "summary": (result.pro_count, result.lead_count, result.demoted_count, result.at_risk_count),
            "newly_demoted": sorted(result.newly_demoted),
            "restored": sorted(result.restored),
            "warned": sorted(result.warned),
        }
        digest = _digest(marketplace, day)
        transaction.set_rollback(True)
    return seconds, counter.count, digest, outputs


def _hand_run(marketplace: Marketplace, now) -> tuple[float, int, tuple, dict]:
    """The hand-written statement on the same committed state (the job's session settings too:
    no JIT, a large sort memory, no parallel plan, no nested loops), rolled back likewise."""
    params = _hand_params(marketplace, now)
    with transaction.atomic(), connection.cursor() as cursor:
        counter = results.StatementCounter()
        with counter.active():
            start = time.perf_counter()
            cursor.execute(
                "SET LOCAL jit = off; SET LOCAL work_mem = '256MB'; SET LOCAL max_parallel_workers_per_gather = 0; "
                "SET LOCAL enable_nestloop = off"
            )
            cursor.execute(HAND_ROLLUP_SQL, params)
            row = cursor.fetchone()
            seconds = time.perf_counter() - start
        outputs = {
            "summary": tuple(int(v) for v in row[3:7]),
            "newly_demoted": list(row[7] or []),
            "restored": list(row[8] or []),
            "warned": list(row[9] or []),
        }
        digest = _digest(marketplace, params["day"])
        transaction.set_rollback(True)
    return seconds, counter.count, digest, outputs


REPEATS = int(os.environ.get("BENCH_ROLLUP_REPEATS", "3"))


def main() -> None:
    results.start_module("bench_rollup")
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
    # (almost) every pro, snapshot and standing row is written: the nightly worst case. The job
    # and the hand-written statement each run on the same committed state and are rolled back,
    # alternately, REPEATS times; their outputs must be the same.
    later = now + timezone.timedelta(days=1)
    product_s, hand_s, differ = [], [], 0
    for _ in range(REPEATS):
        seconds, statements, product_digest, product_out = _product_run(marketplace, later)
        product_s.append(seconds)
        seconds, hand_statements, hand_digest, hand_out = _hand_run(marketplace, later)
        hand_s.append(seconds)
        differ += product_digest != hand_digest or product_out != hand_out
    product_median, hand_median = statistics.median(product_s), statistics.median(hand_s)
    ratio = product_median / hand_median
    pros, leads, demoted, at_risk = product_out["summary"]
    changed = sum(len(product_out[k]) for k in ("newly_demoted", "restored", "warned"))
    print(
        f"rollup next day (no notifications), median of {REPEATS}: {product_median:.3f}s, {statements} statements; "
        f"{pros:,} pros, {leads:,} leads in window, {demoted:,} demoted, {at_risk:,} at risk, {changed:,} to notify"
    )
    print(f"hand-written SQL, same outputs (one statement): {hand_median:.3f}s; outputs differing in {differ} runs")
    print(
        f"ratio rollup / hand SQL: {ratio:.2f}x (target <= 2); rerun, no change: {rerun:.2f}s; priming {priming:.2f}s"
    )
    results.record(
        "bench_rollup",
        "rollup",
        {
            "product": {
                "seconds": round(product_median, 4),
                "runs": [round(v, 4) for v in product_s],
                "rerun_no_change_seconds": round(rerun, 4),
                "priming_seconds": round(priming, 4),
                "unit": "s",
                "what": "ranking.services.pro_stats_rollup, a day later, without notifications",
            },
            "lower_bound": {
                "seconds": round(hand_median, 4),
                "runs": [round(v, 4) for v in hand_s],
                "unit": "s",
                "what": "one hand-written statement (writable CTEs): the same pros, snapshots, standings, changes",
                "statements_per_request": hand_statements,
            },
            "ratio": ratio,
            "ratio_of": "seconds",
            "target": 2.0,
            "target_is": "max",
            "statements_per_request": statements,
            "outputs_differing_runs": differ,
            "pros": pros,
            "leads_in_window": leads,
        },
        settings={"pros": N_PROS, "leads": N_LEADS, "repeats": REPEATS},
    )


if __name__ == "__main__":
    main()
