"""The rollup's writes as they ran before issue 16, kept as the reference for
``test_rollup_equivalence.py``: a temporary table, then an UPDATE of every pro whose figures
differ, a snapshot upsert skipping equal rows on conflict, an upsert of EVERY standing, and the
changes read back — five statements. The figures come from today's ``rules.calc_sql`` (the
columns the old statements read are unchanged); only the orchestration and the "which rows are
written" conditions are the old ones. Do not "fix" this copy: it is the old behaviour.
"""

from django.db import connection, transaction

from ranking import rules
from ranking.services import RollupResult, _params

UPDATE_PROS = """
    UPDATE pros_pro AS p SET
        response_rate = c.response_rate,
        median_response_seconds = c.median_seconds,
        last_active_at = c.last_active_at,
        demoted = (c.demoted_new = 1),
        demoted_since = CASE WHEN c.demoted_new = 1 AND c.demoted_old = 1 THEN COALESCE(c.demoted_since, %(now)s)
                             WHEN c.demoted_new = 1 THEN %(now)s END,
        rank_score = c.rank_score
    FROM ranking_calc c
    WHERE p.id = c.pro_id
      AND (p.response_rate IS DISTINCT FROM c.response_rate
           OR p.median_response_seconds IS DISTINCT FROM c.median_seconds
           OR p.last_active_at IS DISTINCT FROM c.last_active_at
           OR c.demoted_old <> c.demoted_new
           OR (c.demoted_new = 1 AND c.demoted_since IS NULL)
           OR (c.demoted_new = 0 AND c.demoted_since IS NOT NULL)
           OR p.rank_score IS DISTINCT FROM c.rank_score)
"""

UPSERT_SNAPSHOTS = """
    INSERT INTO ranking_prodailysnapshot
        (marketplace_id, pro_id, day, responded_count, due_count, response_rate, median_response_seconds,
         demoted, at_risk, rank_score, star_score, review_count, computed_at)
    SELECT %(marketplace_id)s, c.pro_id, %(day)s, c.responded, c.due, c.response_rate, c.median_seconds,
           (c.demoted_new = 1), (c.at_risk = 1), c.rank_score, c.star_score, c.review_count, %(now)s
    FROM ranking_calc c WHERE 1 = 1
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
"""

UPSERT_STANDINGS = """
    INSERT INTO ranking_prostanding (marketplace_id, pro_id, responded_count, due_count, at_risk, computed_at)
    SELECT %(marketplace_id)s, c.pro_id, c.responded, c.due, (c.at_risk = 1), %(now)s
    FROM ranking_calc c WHERE 1 = 1
    ON CONFLICT (pro_id) DO UPDATE SET
        responded_count = excluded.responded_count, due_count = excluded.due_count,
        at_risk = excluded.at_risk, computed_at = excluded.computed_at
"""

CHANGES = """
    SELECT c.pro_id, c.demoted_old, c.demoted_new, c.at_risk
    FROM ranking_calc c
    WHERE c.demoted_old <> c.demoted_new OR (c.at_risk = 1 AND c.at_risk_old = 0)
    ORDER BY c.pro_id
"""

SUMMARY = """
    SELECT COUNT(*), COALESCE(SUM(c.lead_count), 0), COALESCE(SUM(c.demoted_new), 0), COALESCE(SUM(c.at_risk), 0)
    FROM ranking_calc c
"""


def reference_rollup(*, marketplace, now, pro_id=None) -> RollupResult:
    result = RollupResult(marketplace_id=marketplace.pk)
    params = _params(marketplace=marketplace, now=now, pro_id=pro_id)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS ranking_calc")
        cursor.execute("CREATE TEMP TABLE ranking_calc AS " + rules.calc_sql(single_pro=pro_id is not None), params)
        for statement in (UPDATE_PROS, UPSERT_SNAPSHOTS, UPSERT_STANDINGS):
            cursor.execute(statement, params)
        cursor.execute(CHANGES)
        changes = cursor.fetchall()
        cursor.execute(SUMMARY)
        result.pro_count, result.lead_count, result.demoted_count, result.at_risk_count = (
            int(v) for v in cursor.fetchone()
        )
        cursor.execute("DROP TABLE ranking_calc")
    for changed, demoted_old, demoted_new, at_risk in changes:
        if demoted_new and not demoted_old:
            result.newly_demoted.append(changed)
        elif demoted_old and not demoted_new:
            result.restored.append(changed)
        elif at_risk:
            result.warned.append(changed)
    return result
