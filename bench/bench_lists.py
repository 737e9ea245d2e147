"""List endpoints through the whole Django stack beside hand-written SQL producing the same page.

Seeds (set-based SQL) a marketplace of its own: 100,000 pros (x ``BENCH_SCALE``, at least
500) in 20 categories and 200 Canadian FSA areas (each pro serves 2 areas, 1-2 categories),
and one pro with a user and 1,000 leads (whatever the scale; each of its requests offered to
4 other pros too). Then, in-process through Django's test client (middleware, DRF, JWT,
tenant resolution, serializers; the pool on, so each request takes and gives back a pooled
connection), p50/p95 over ``BENCH_LIST_SAMPLES`` requests (default 200) of:

- ``GET /api/v1/pro/leads/`` as that pro: the first page of 20, beside one hand-written
  statement reading the same 20 leads (request, category, effective status, offer counts)
  and one counting the pro's leads;
- ``GET /api/v1/pros/?category=…&postal_code=…`` over (category, area) pairs: beside one
  hand-written statement selecting the same page (the same filters and order) with its count;
- ``GET /api/v1/pros/`` with blank filters, printed and recorded as a reference (the issue's
  count-the-world case), with the same-page hand SQL.

The page (ids in order) and the count must be the same on both sides; a difference is printed
and recorded. Hand SQL runs between Django's request signals too (the same pooled connection
handling), interleaved with the product's requests one by one (which side goes first
alternates), so load from elsewhere falls on both alike. Statements per request are counted
for one in-process request.
"""

# ruff: noqa: S608 - benchmark SQL built from constants
from __future__ import annotations

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import results  # noqa: E402
from bench.bench_rollup import _insert  # noqa: E402
from marketplace.models import Marketplace, MarketplacePolicy, Role, User  # noqa: E402

SCALE = results.scale()
N_PROS = max(500, int(100_000 * SCALE))
N_CATEGORIES = 20
FOCUS_LEADS = 1_000
OTHERS_PER_REQUEST = 4
SAMPLES = int(os.environ.get("BENCH_LIST_SAMPLES", "200"))
BLANK_SAMPLES = max(20, SAMPLES // 4)
PAGE = 20
# 200 valid FSAs (letter, digit, letter; no D, F, I, O, Q, U).
AREAS = [f"{a}{d}{b}" for a in "KLMN" for d in "0123456789" for b in "ABCEG"]


def seed() -> tuple[Marketplace, User]:
    slug = f"bench-lists-{N_PROS}"
    marketplace, _ = Marketplace.objects.get_or_create(
        slug=slug,
        defaults={
            "name": f"Bench lists {N_PROS}",
            "currency": "CAD",
            "time_zone": "America/Toronto",
            "postal_scheme": "ca_fsa",
        },
    )
    MarketplacePolicy.objects.get_or_create(marketplace=marketplace)
    user = User.objects.filter(marketplace=marketplace, email="focus@bench.test").first()
    if user is not None:
        return marketplace, user
    m = marketplace.pk
    started = time.perf_counter()
    areas = "ARRAY[" + ", ".join(f"'{a}'" for a in AREAS) + "]"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.17)")
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
        cursor.execute("SELECT min(id) FROM pros_category WHERE marketplace_id = %s", [m])
        category_base = cursor.fetchone()[0]
        _insert(
            cursor,
            "pros_pro",
            {
                "marketplace_id": str(m),
                "name": "'Bench Pro ' || g",
                "slug": "'bench-pro-' || g",
                "description": "'We fix things, carefully.'",
                "photos": "'[]'::jsonb",
                "tier": "CASE WHEN g % 4 = 0 THEN 'brand_builder' ELSE 'basic' END",
                "phone": "CASE WHEN g % 3 = 0 THEN '+1 416 555 0100' ELSE '' END",
                "website": "CASE WHEN g % 5 = 0 THEN 'https://pro.example.test/' || g ELSE '' END",
                "paused": "g % 40 = 0",
                "suspended": "g % 97 = 0",
                "star_score": "(40 + (g * 37) % 61)",
                "review_count": "(g * 13) % 80",
                "completeness": "(30 + (g * 7) % 71)",
                "demoted": "false",
                "rank_score": "((g::bigint * 104729) % 100000) / 1000.0",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(1, {N_PROS}) g",
        )
        _insert(
            cursor,
            "pros_proarea",
            {
                "marketplace_id": str(m),
                "pro_id": "p.id",
                "area": f"({areas})[1 + (p.id * 31 + k * 97) % {len(AREAS)}]",
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
                "promotion_enabled": "p.id % 11 = 0",
                "condition_areas": "'[]'::jsonb",
                "condition_attributes": "'{}'::jsonb",
                "condition_lead_time_days": "0",
                "is_active": "true",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"pros_pro p CROSS JOIN generate_series(0, 1) k WHERE p.marketplace_id = {m} AND (k = 0 OR p.id % 2 = 0)",
        )
        cursor.execute("SELECT min(id) FROM pros_pro WHERE marketplace_id = %s", [m])
        pro_base = cursor.fetchone()[0]
        focus = User.objects.create_user(
            "focus@bench.test", "bench-pass-1234", marketplace=marketplace, role=Role.PRO, pro_id=pro_base, name="Focus"
        )
        homeowner = User.objects.create_user(
            "asker@bench.test", "bench-pass-1234", marketplace=marketplace, name="Asker"
        )
        _insert(
            cursor,
            "leads_quoterequest",
            {
                "marketplace_id": str(m),
                "homeowner_id": str(homeowner.pk),
                "category_id": f"{category_base} + g % {N_CATEGORIES}",
                "source": "'platform'",
                "postal_code": "'M5V 3L9'",
                "area": "'M5V'",
                "description": "'Bench job ' || g",
                "answers": "'{}'::jsonb",
                "contact_name": "'Pat'",
                "contact_phone": "'+1 416 555 0100'",
                "status": "'open'",
                "created_at": "now() - g * interval '37 minutes'",
            },
            f"generate_series(1, {FOCUS_LEADS}) g",
        )
        cursor.execute("SELECT min(id) FROM leads_quoterequest WHERE marketplace_id = %s", [m])
        request_base = cursor.fetchone()[0]
        _insert(
            cursor,
            "leads_lead",
            {
                "marketplace_id": str(m),
                "request_id": "r.id",
                "pro_id": f"CASE WHEN k = 0 THEN {pro_base} "
                f"ELSE {pro_base} + 1 + (r.id * 7 + k * 131) % {N_PROS - 1} END",
                "kind": "CASE WHEN k = 0 THEN 'new' ELSE 'matched' END",
                "status": "CASE WHEN random() < 0.3 THEN 'pending' WHEN random() < 0.6 THEN 'accepted' "
                "ELSE 'rejected' END",
                "deadline": "r.created_at + interval '3 days'",
                "fee_amount": "2500",
                "fee_currency": "'CAD'",
                "created_at": "r.created_at",
            },
            f"leads_quoterequest r CROSS JOIN generate_series(0, {OTHERS_PER_REQUEST}) k "
            f"WHERE r.marketplace_id = {m} AND r.id >= {request_base}",
        )
    with connection.cursor() as cursor:
        for table in ("pros_pro", "pros_proarea", "pros_service", "leads_quoterequest", "leads_lead"):
            cursor.execute(f"ANALYZE {table}")
    print(f"seeded {N_PROS:,} pros and a pro with {FOCUS_LEADS:,} leads in {time.perf_counter() - started:.1f}s")
    return marketplace, focus


LEADS_PAGE_SQL = """
SELECT l.id, l.kind,
       CASE WHEN l.status = 'pending' AND l.deadline IS NOT NULL AND l.deadline <= %(now)s
            THEN 'expired' ELSE l.status END AS effective_status,
       l.fee_amount, l.fee_currency, l.deadline, l.reject_reason, l.created_at, l.responded_at,
       l.contact_revealed_at, l.quote_message, l.quote_price_min, l.quote_price_max,
       r.id, r.area, r.description, r.budget_min, r.budget_max, r.start_date, r.answers, r.source,
       r.contact_name, r.contact_phone, r.contact_email, c.id, c.slug, c.name,
       (SELECT COUNT(*) FROM leads_lead o WHERE o.request_id = l.request_id) AS offered_count,
       (SELECT COUNT(*) FROM leads_lead o WHERE o.request_id = l.request_id AND o.status = 'accepted')
           AS accepted_count
FROM leads_lead l
JOIN leads_quoterequest r ON r.id = l.request_id
JOIN pros_category c ON c.id = r.category_id
WHERE l.marketplace_id = %(m)s AND l.pro_id = %(pro)s
ORDER BY l.created_at DESC, l.id DESC
LIMIT %(page)s
"""
LEADS_COUNT_SQL = "SELECT COUNT(*) FROM leads_lead WHERE marketplace_id = %(m)s AND pro_id = %(pro)s"

PROS_FILTER = """
FROM pros_pro p
WHERE p.marketplace_id = %(m)s AND NOT p.suspended AND NOT p.paused
  AND EXISTS (
    SELECT 1 FROM pros_service s
    WHERE s.pro_id = p.id AND s.marketplace_id = %(m)s AND s.is_active {category} {area})
"""
PROS_PAGE_SQL = """
SELECT p.id, p.name, p.slug, p.description, p.photos, p.tier, p.star_score, p.review_count, p.rank_score,
       p.phone, p.website, p.demoted,
       EXISTS (SELECT 1 FROM pros_service q WHERE q.pro_id = p.id AND q.marketplace_id = %(m)s AND q.is_active
               AND q.promotion_enabled {quote_category}) AS has_instant_quote
{filter}
ORDER BY p.rank_score DESC, p.star_score DESC, p.review_count DESC, p.id
LIMIT %(page)s
"""
# The API's count is exact up to COUNT_CAP and capped beyond (README "API conventions"): the
# same work is a count that stops after COUNT_CAP + 1 rows.
COUNT_CAP = 1000
PROS_COUNT_SQL = "SELECT LEAST(COUNT(*), %(cap)s) FROM (SELECT 1 {filter} LIMIT %(cap)s + 1) capped"
_FAMILY = "IN (SELECT id FROM pros_category WHERE id = %(category)s OR (parent_id = %(category)s AND is_active))"
_AREA = (
    "AND (s.condition_areas ? %(area)s OR (s.condition_areas = '[]'::jsonb AND EXISTS ("
    "SELECT 1 FROM pros_proarea a WHERE a.pro_id = s.pro_id AND a.marketplace_id = %(m)s AND a.area = %(area)s)))"
)


def pros_sql(*, filtered: bool) -> tuple[str, str]:
    """The page statement and the capped count statement, with or without the filters."""
    if filtered:
        where = PROS_FILTER.format(category=f"AND s.category_id {_FAMILY}", area=_AREA)
        quote_category = f"AND q.category_id {_FAMILY}"
    else:
        where, quote_category = PROS_FILTER.format(category="", area=""), ""
    return PROS_PAGE_SQL.format(quote_category=quote_category, filter=where), PROS_COUNT_SQL.format(filter=where)


def timed_requests(client: Client, urls: list[str], headers: dict) -> tuple[list[float], list[dict]]:
    samples, bodies = [], []
    for url in urls:
        t0 = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
        bodies.append(response.json())
    return samples, bodies


def timed_sql(statements: list[list[tuple[str, dict]]]) -> tuple[list[float], list[list[list[tuple]]]]:
    """Each item: the statements of one page, run between request signals (the pool's checkout)."""
    samples, outputs = [], []
    for page in statements:
        t0 = time.perf_counter()
        with results.as_request(), connection.cursor() as cursor:
            rows = []
            for sql, params in page:
                cursor.execute(sql, params)
                rows.append(cursor.fetchall())
        samples.append((time.perf_counter() - t0) * 1000)
        outputs.append(rows)
    return samples, outputs


def interleaved(
    client: Client, urls: list[str], headers: dict, pages: list[list[tuple[str, dict]]]
) -> tuple[list[float], list[dict], list[float], list[list[list[tuple]]]]:
    """Product request i and hand SQL page i back to back, which one goes first alternating:
    whatever else the machine does meanwhile falls on both sides alike (a sequential run of
    one side then the other let a burst of load land on one side only)."""
    product_ms: list[float] = []
    bodies: list[dict] = []
    lower_ms: list[float] = []
    outputs: list[list[list[tuple]]] = []
    for index, (url, page) in enumerate(zip(urls, pages, strict=True)):
        for side in (0, 1) if index % 2 == 0 else (1, 0):
            if side == 0:
                samples, answered = timed_requests(client, [url], headers)
                product_ms += samples
                bodies += answered
            else:
                samples, rows = timed_sql([page])
                lower_ms += samples
                outputs += rows
    return product_ms, bodies, lower_ms, outputs


def page_of(body: dict) -> tuple[list[int], int | None]:
    return [row["id"] for row in body["results"]], body.get("count")


def compare_and_record(
    name: str, *, product_ms, lower_ms, bodies, outputs, count_from, statements, lower_statements, what, note=""
) -> None:
    differing = 0
    for body, rows in zip(bodies, outputs, strict=True):
        ids, count = page_of(body)
        hand_ids, hand_count = [row[0] for row in rows[0]], count_from(rows)
        differing += ids != hand_ids or (count is not None and count != hand_count)
    product, lower = results.latency(product_ms), results.latency(lower_ms)
    ratio = product["p95"] / lower["p95"]
    print(
        f"  {name}: product p50 {product['p50']:.2f} ms p95 {product['p95']:.2f} ms | hand SQL p50 "
        f"{lower['p50']:.2f} ms p95 {lower['p95']:.2f} ms | p95 ratio {ratio:.2f}x (target <= 2) | statements "
        f"{statements} vs {lower_statements} | pages differing {differing}/{len(bodies)}{note}"
    )
    results.record(
        "bench_lists",
        name,
        {
            "product": {**product, "what": "Django test client, whole stack, in-process"},
            "lower_bound": {**lower, "what": what, "statements_per_request": lower_statements},
            "ratio": ratio,
            "ratio_of": "p95",
            "target": 2.0,
            "target_is": "max",
            "statements_per_request": statements,
            "pages_differing": differing,
        },
    )


def bench_pro_leads(marketplace: Marketplace, user: User) -> None:
    from rest_framework_simplejwt.tokens import RefreshToken

    from marketplace.api.authentication import MARKETPLACE_CLAIM

    token = RefreshToken.for_user(user)
    token[MARKETPLACE_CLAIM] = marketplace.pk
    headers = {"Authorization": f"Bearer {token.access_token}", "X-Marketplace": marketplace.slug}
    client = Client()
    url = "/api/v1/pro/leads/"
    timed_requests(client, [url] * 3, headers)  # warm-up
    statements, _ = results.count_statements(lambda: client.get(url, headers=headers))
    params = {"m": marketplace.pk, "pro": user.pro_id, "page": PAGE}

    def page():
        return [(LEADS_PAGE_SQL, {**params, "now": timezone.now()}), (LEADS_COUNT_SQL, params)]

    lower_statements, _ = results.count_statements(lambda: timed_sql([page()]))
    product_ms, bodies, lower_ms, outputs = interleaved(
        client, [url] * SAMPLES, headers, [page() for _ in range(SAMPLES)]
    )
    compare_and_record(
        "pro_leads_list",
        product_ms=product_ms,
        lower_ms=lower_ms,
        bodies=bodies,
        outputs=outputs,
        count_from=lambda rows: rows[1][0][0],
        statements=statements,
        lower_statements=lower_statements,
        what="one statement for the page (request, category, effective status, offer counts), one COUNT",
        note=f" ({bodies[0]['count']} leads)",
    )


def bench_pro_list(marketplace: Marketplace) -> None:
    from pros.models import Category

    categories = list(Category.objects.filter(marketplace=marketplace).order_by("pk"))
    pairs = [(categories[(i * 7) % len(categories)], AREAS[(i * 37) % len(AREAS)]) for i in range(SAMPLES)]
    headers = {"X-Marketplace": marketplace.slug}
    client = Client()
    urls = [f"/api/v1/pros/?category={category.slug}&postal_code={area}%201A1" for category, area in pairs]
    timed_requests(client, urls[:3], headers)  # warm-up
    statements, _ = results.count_statements(lambda: client.get(urls[0], headers=headers))
    page_sql, count_sql = pros_sql(filtered=True)
    pages = [
        [(page_sql, params), (count_sql, params)]
        for params in (
            {"m": marketplace.pk, "category": c.pk, "area": a, "page": PAGE, "cap": COUNT_CAP} for c, a in pairs
        )
    ]
    lower_statements, _ = results.count_statements(lambda: timed_sql(pages[:1]))
    product_ms, bodies, lower_ms, outputs = interleaved(client, urls, headers, pages)
    compare_and_record(
        "pro_list",
        product_ms=product_ms,
        lower_ms=lower_ms,
        bodies=bodies,
        outputs=outputs,
        count_from=lambda rows: rows[1][0][0],
        statements=statements,
        lower_statements=lower_statements,
        what="two statements: the page with the same filters and order, and its count capped like the API's",
        note=f" ({len(pairs)} (category, area) pairs)",
    )
    # Blank filters: the whole marketplace's servable pros (printed beside, a reference).
    response = client.get("/api/v1/pros/", headers=headers)
    if response.status_code != 200:
        print(f"  pro list, blank filters: answered {response.status_code} (not measured)")
        return
    statements, _ = results.count_statements(lambda: client.get("/api/v1/pros/", headers=headers))
    # Every servable pro: the page walks the rank order and stops after 20, the count is its
    # own statement, capped like the API's.
    params = {"m": marketplace.pk, "page": PAGE, "cap": COUNT_CAP}
    page_sql, count_sql = pros_sql(filtered=False)
    blank = [[(page_sql, params), (count_sql, params)]] * BLANK_SAMPLES
    product_ms, bodies, lower_ms, outputs = interleaved(client, ["/api/v1/pros/"] * BLANK_SAMPLES, headers, blank)
    compare_and_record(
        "pro_list_blank_filters",
        product_ms=product_ms,
        lower_ms=lower_ms,
        bodies=bodies,
        outputs=outputs,
        count_from=lambda rows: rows[1][0][0],
        statements=statements,
        lower_statements=2,
        what="two statements: the page of every servable pro in rank order, and their count capped like the API's",
        note=f" (count {bodies[0].get('count')})",
    )


def main() -> None:
    results.start_module("bench_lists")
    marketplace, user = seed()
    results.record_settings(
        "bench_lists", {"pros": N_PROS, "focus_pro_leads": FOCUS_LEADS, "samples": SAMPLES, "page": PAGE}
    )
    print(f"lists: {N_PROS:,} pros, {SAMPLES} requests per path, in-process (Django test client, pool on)")
    bench_pro_leads(marketplace, user)
    bench_pro_list(marketplace)


if __name__ == "__main__":
    main()
