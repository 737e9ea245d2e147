"""Website-click throughput beside a bare view doing the same INSERT, and the pro dashboard
over a year beside hand-written SQL producing the same figures.

1. One gunicorn (the pool on, as production) serves the product and the bare views of
   bench/clicks_urls.py; 16 client threads hammer each path with keep-alive connections:
   - bare click view: visitor key + the same gated INSERT + redirect (the lower bound),
     for a new visitor every request and for a repeat visitor (deduplicated),
   - tracked website click, a new visitor every request (the counted INSERT path),
   - tracked website click, the same visitor again (the deduplicated path),
   - tracked website click by a crawler (same view and lookups, no write),
   - bare redirect that never touches the database (the old reference line).
   Statements per click are counted for in-process requests through Django's test client.
2. One pro's dashboard (buckets, totals, previous period, sources, closed loop) over a year
   of daily rollups, in a marketplace holding many pros' rollups, per bucket (day, week,
   month); beside hand-written SQL (one grouping-sets scan of the rollups, one GROUP BY of the
   leads with their ledger) whose figures are checked equal to the product's.

BENCH_SCALE shrinks/grows request counts and the number of other pros.
"""

import http.client
import os
import subprocess
import sys
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
# The same as the gunicorn below, for the in-process requests that count statements.
os.environ.update(NUM_PROXIES="1", THROTTLE_CLICKS="100000000/min", CELERY_TASK_ALWAYS_EAGER="false")
django.setup()

import datetime as dt  # noqa: E402

from django.db import connection  # noqa: E402

from bench import callgrind, results  # noqa: E402
from connections.models import ClickGate, ConnectionDaily, ConnectionEvent  # noqa: E402
from connections.selectors import Bucket, DateRange, connection_dashboard  # noqa: E402
from marketplace.localtime import local_today  # noqa: E402
from marketplace.models import Marketplace, MarketplacePolicy  # noqa: E402
from pros.models import Pro  # noqa: E402

SCALE = results.scale()
CLIENTS = 16
WORKERS, THREADS = 2, 8
PORT = int(os.environ.get("BENCH_PORT", "8791"))
REQUESTS = max(int(3000 * SCALE), CLIENTS * 10)
OTHER_PROS = max(int(300 * SCALE), 5)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def seed() -> tuple[Marketplace, Pro]:
    marketplace, _ = Marketplace.objects.get_or_create(
        slug="bench-clicks",
        defaults={"name": "Bench clicks", "currency": "CAD", "time_zone": "America/Toronto", "postal_scheme": "ca_fsa"},
    )
    MarketplacePolicy.objects.get_or_create(marketplace=marketplace)
    pro, _ = Pro.objects.get_or_create(
        marketplace=marketplace,
        slug="bench-member",
        defaults={"name": "Bench member", "tier": "brand_builder", "website": "https://pro.example.test/home"},
    )
    ConnectionEvent.objects.filter(marketplace=marketplace).delete()
    ClickGate.objects.filter(marketplace=marketplace).delete()
    return marketplace, pro


def start_gunicorn() -> subprocess.Popen:
    # Request logging off in both paths alike: the bench measures the views, not the log sink.
    # A visitor is its address: the bench names one per request through X-Forwarded-For (one
    # trusted proxy hop) and lifts the per-address click throttle, which it is not measuring.
    env = {
        **results.server_env(),
        "DJANGO_ENV": "development",
        "DEBUG": "false",
        "NUM_PROXIES": "1",
        "THROTTLE_CLICKS": "100000000/min",
    }
    proc = subprocess.Popen(  # noqa: S603 - a fixed command line, no user input
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "bench.clicks_wsgi:application",
            "--bind", f"127.0.0.1:{PORT}",
            "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS),
            "--log-level", "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/bench/redirect/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("gunicorn did not start")


def hammer(path: str, headers_for) -> tuple[float, int]:
    """REQUESTS requests over CLIENTS keep-alive connections → (requests/s, non-302 count)."""
    per_client = REQUESTS // CLIENTS
    errors = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)

    def client(index: int):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        barrier.wait()
        bad = 0
        for n in range(per_client):
            conn.request("GET", path, headers=headers_for(index, n))
            response = conn.getresponse()
            response.read()
            if response.status != 302:
                bad += 1
        conn.close()
        with lock:
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return per_client * CLIENTS / elapsed, errors[0]


def _visitor(i: int, n: int, net: int = 10) -> dict[str, str]:
    return {"X-Forwarded-For": f"{net}.{i % 256}.{n // 256 % 256}.{n % 256}"}


def count_click_statements(path: str) -> list[int]:
    """Statements of three in-process clicks (new visitors) through Django's test client."""
    from django.conf import settings
    from django.test import Client

    settings.ROOT_URLCONF = "bench.clicks_urls"
    client = Client()
    counts = []
    for n in range(3):
        headers = {"X-Marketplace": "bench-clicks", "User-Agent": BROWSER, **_visitor(250, n, net=12)}
        count, response = results.count_statements(lambda h=headers: client.get(path, headers=h))
        if response.status_code != 302:
            raise RuntimeError(f"in-process click {path} answered {response.status_code}")
        counts.append(count)
    return counts


def bench_redirects(marketplace: Marketplace, pro: Pro) -> None:
    from django.conf import settings

    window = MarketplacePolicy.objects.get(marketplace=marketplace).click_dedupe_minutes
    os.environ.update(BENCH_CLICK_MARKETPLACE=str(marketplace.pk), BENCH_CLICK_WINDOW=str(window))
    tracked = f"/api/v1/pros/{pro.pk}/website/?source=bench"
    bare_click = f"/bench/click/{pro.pk}/?source=bench"
    product_counts = count_click_statements(tracked)
    bare_counts = count_click_statements(bare_click)
    settings.ROOT_URLCONF = "marketplace.urls"
    instructions = None
    if callgrind.available():

        def clicks(path: str, net: int, urlconf: str) -> list[dict]:
            return [
                {
                    "method": "GET",
                    "path": path,
                    "urlconf": urlconf,
                    "headers": {"X-Marketplace": marketplace.slug, "User-Agent": BROWSER, **_visitor(251, n, net=net)},
                    "expect": 302,
                }
                for n in range(callgrind.NEEDED)
            ]

        product_ir = callgrind.measure(clicks(tracked.split("?")[0], 13, "marketplace.urls"))
        bare_ir = callgrind.measure(clicks(bare_click.split("?")[0], 14, "bench.clicks_urls"))
        instructions = {"product_ir": product_ir, "lower_bound_ir": bare_ir, "ratio": round(bare_ir / product_ir, 3)}
        print(f"    instructions per click (callgrind): product {product_ir:,}, bare INSERT view {bare_ir:,}")
    proc = start_gunicorn()
    try:
        base = {"X-Marketplace": marketplace.slug, "Connection": "keep-alive"}
        browser = {**base, "User-Agent": BROWSER}
        hammer("/bench/redirect/", lambda i, n: browser)  # warm-up
        baseline = ConnectionEvent.objects.filter(marketplace=marketplace).count()
        redirect, redirect_err = hammer("/bench/redirect/", lambda i, n: browser)
        # Bare and product clicks come from disjoint visitor networks (10.* and 11.*): each
        # side's first click of a visitor is a counted INSERT, its second one is deduplicated.
        bare, bare_err = hammer(bare_click, lambda i, n: {**browser, **_visitor(i, n, net=11)})
        bare_counted = ConnectionEvent.objects.filter(marketplace=marketplace).count() - baseline
        fresh, fresh_err = hammer(tracked, lambda i, n: {**browser, **_visitor(i, n)})
        counted = ConnectionEvent.objects.filter(marketplace=marketplace).count() - baseline - bare_counted
        bare_repeat, bare_repeat_err = hammer(bare_click, lambda i, n: {**browser, **_visitor(i, 0, net=11)})
        repeat, repeat_err = hammer(tracked, lambda i, n: {**browser, **_visitor(i, 0)})
        repeat_new = ConnectionEvent.objects.filter(marketplace=marketplace).count() - baseline - bare_counted - counted
        # Same view, same lookups, but a crawler: no write. Separates the API machinery's cost
        # (marketplace and pro lookups, DRF) from the click write's.
        bot, bot_err = hammer(tracked, lambda i, n: {**base, "User-Agent": "curl/8.5.0"})
    finally:
        proc.terminate()
        proc.wait(10)
    print(
        f"  website click, {CLIENTS} clients, {REQUESTS} requests per path "
        f"(gunicorn {WORKERS} workers x {THREADS} threads, pool on)"
    )
    print(f"    bare click view, new visitor    {bare:8.0f} req/s   (errors {bare_err}, events {bare_counted})")
    print(f"    bare click view, repeat visitor {bare_repeat:8.0f} req/s   (errors {bare_repeat_err})")
    print(
        f"    tracked, new visitor            {fresh:8.0f} req/s   ratio {fresh / bare:.2f} (target >= 0.7)"
        f"  (errors {fresh_err}, events {counted})"
    )
    print(
        f"    tracked, repeat visitor         {repeat:8.0f} req/s   ratio {repeat / bare_repeat:.2f}"
        f"  (errors {repeat_err}, new events {repeat_new})"
    )
    print(f"    tracked, bot (not counted)      {bot:8.0f} req/s   (errors {bot_err})")
    print(
        f"    bare redirect, no database      {redirect:8.0f} req/s   (reference: tracked / redirect "
        f"{fresh / redirect:.2f})  (errors {redirect_err})"
    )
    print(f"    statements per click (in-process): product {product_counts}, bare {bare_counts}")
    results.record(
        "bench_clicks",
        "click",
        {
            "product": {
                "req_s": round(fresh, 1),
                "repeat_visitor_req_s": round(repeat, 1),
                "bot_req_s": round(bot, 1),
                "errors": fresh_err + repeat_err + bot_err,
                "counted_events": counted,
                "unit": "req/s",
            },
            "lower_bound": {
                "req_s": round(bare, 1),
                "repeat_visitor_req_s": round(bare_repeat, 1),
                "errors": bare_err + bare_repeat_err,
                "what": "bare Django view: visitor key, the same gated INSERT, redirect",
                "statements_per_request": bare_counts[-1],
                "unit": "req/s",
            },
            "reference": {"bare_redirect_req_s": round(redirect, 1), "ratio": round(fresh / redirect, 3)},
            "ratio": fresh / bare,
            "ratio_of": "req_s",
            "target": 0.7,
            "target_is": "min",
            "statements_per_request": product_counts[-1],
            "statements_in_process": product_counts,
            "instructions_per_request": instructions,
        },
        settings={
            "gunicorn_workers": WORKERS,
            "threads": THREADS,
            "worker_class": "gthread",
            "clients": CLIENTS,
            "requests_per_path": REQUESTS,
        },
    )


ROLLUP_SEED_SQL = """
INSERT INTO connections_connectiondaily (marketplace_id, pro_id, day, kind, source, count)
SELECT %(mid)s, p.id, d::date, k.kind, s.source, 1 + ((p.id * 7 + EXTRACT(DOY FROM d)::int) %% 5)
FROM pros_pro p
CROSS JOIN generate_series(%(start)s::date, %(end)s::date, interval '1 day') d
CROSS JOIN (VALUES ('profile_lead'), ('matched_lead'), ('phone_click'), ('website_click'), ('exposure')) k(kind)
CROSS JOIN (VALUES (''), ('google'), ('newsletter')) s(source)
WHERE p.marketplace_id = %(mid)s
ON CONFLICT (pro_id, day, kind, source) DO NOTHING
"""


HAND_ROLLUP_SQL = """
SELECT GROUPING(x.b, x.source) AS g, x.b, x.source, x.kind,
       SUM(x.count) FILTER (WHERE x.day >= %(start)s) AS cur,
       SUM(x.count) FILTER (WHERE x.day < %(start)s) AS prev
FROM (
    SELECT day, kind, source, count, CASE WHEN day >= %(start)s THEN {bucket} END AS b
    FROM connections_connectiondaily
    WHERE marketplace_id = %(m)s AND pro_id = %(p)s AND day BETWEEN %(prev_start)s AND %(end)s
) x
GROUP BY GROUPING SETS ((x.b, x.kind), (x.source, x.kind))
"""
HAND_BUCKETS = {"day": "day", "week": "date_trunc('week', day)::date", "month": "date_trunc('month', day)::date"}
HAND_LOOP_SQL = """
SELECT l.kind, COUNT(*), COUNT(*) FILTER (WHERE l.status = 'accepted'),
       COUNT(*) FILTER (WHERE l.status = 'accepted' AND r.hired_pro_id = l.pro_id),
       COALESCE(SUM(e.net), 0)
FROM leads_lead l
JOIN leads_quoterequest r ON r.id = l.request_id
LEFT JOIN LATERAL (
    SELECT COALESCE(SUM(amount) FILTER (WHERE kind = 'charge'), 0)
         - COALESCE(SUM(amount) FILTER (WHERE kind = 'refund'), 0) AS net
    FROM billing_ledgerentry WHERE lead_id = l.id
) e ON true
WHERE l.marketplace_id = %(m)s AND l.pro_id = %(p)s AND l.created_at >= %(since)s AND l.created_at < %(until)s
GROUP BY l.kind
"""


def hand_dashboard(marketplace: Marketplace, pro: Pro, period: DateRange, bucket: str) -> dict:
    """The dashboard's figures from two hand-written statements and a few dict updates."""
    from connections.selectors import KINDS, _bucket_starts
    from marketplace.localtime import local_day_bounds

    previous = period.previous()
    series: dict = {}
    sources: dict = {}
    totals = dict.fromkeys(KINDS, 0)
    previous_totals = dict.fromkeys(KINDS, 0)
    with connection.cursor() as cursor:
        cursor.execute(
            HAND_ROLLUP_SQL.format(bucket=HAND_BUCKETS[bucket]),
            {"m": marketplace.pk, "p": pro.pk, "start": period.start, "end": period.end, "prev_start": previous.start},
        )
        for grouping, key, source, kind, cur, prev in cursor.fetchall():
            if grouping == 1:  # (bucket, kind)
                if key is not None:
                    series.setdefault(key, dict.fromkeys(KINDS, 0))[kind] = cur
            else:  # (source, kind)
                if cur is not None:
                    sources.setdefault(source, dict.fromkeys(KINDS, 0))[kind] = cur
                    totals[kind] += cur
                previous_totals[kind] += prev or 0
        since, until = local_day_bounds(marketplace=marketplace, start_day=period.start, end_day=period.end)
        cursor.execute(HAND_LOOP_SQL, {"m": marketplace.pk, "p": pro.pk, "since": since, "until": until})
        loop = {kind: (leads, accepted, hires, spend) for kind, leads, accepted, hires, spend in cursor.fetchall()}
    zero = dict.fromkeys(KINDS, 0)
    return {
        "series": [(start, series.get(start, zero)) for start in _bucket_starts(period, bucket)],
        "totals": totals,
        "previous_totals": previous_totals,
        "sources": sorted(((s, c) for s, c in sources.items()), key=lambda sc: (-sum(sc[1].values()), sc[0])),
        "closed_loop": {
            source: loop.get(kind, (0, 0, 0, 0))
            for source, kind in (("profile", "new"), ("matched", "matched"), ("promotion", "promotion"))
        },
    }


def comparable(data: dict) -> dict:
    """The product's dashboard reduced to what hand_dashboard computes."""
    return {
        "series": [(row["bucket"], row["counts"]) for row in data["series"]],
        "totals": {k: v for k, v in data["totals"].items() if k != "all"},
        "previous_totals": {k: v["previous"] for k, v in data["change"].items() if k != "all"},
        "sources": [(row["source"], row["counts"]) for row in data["sources"]],
        "closed_loop": {
            row["source"]: (row["leads"], row["accepted"], row["hires"], row["spend"]["amount"])
            for row in data["closed_loop"]
            if row["source"] in ("profile", "matched", "promotion")
        },
    }


def bench_dashboard(marketplace: Marketplace, pro: Pro) -> None:
    existing = Pro.objects.filter(marketplace=marketplace).count() - 1
    Pro.objects.bulk_create(
        [Pro(marketplace=marketplace, slug=f"bench-other-{n}", name=f"Other {n}") for n in range(existing, OTHER_PROS)]
    )
    end = local_today(marketplace=marketplace)
    start = end - dt.timedelta(days=364)
    period = DateRange(start, end)
    seed_start = period.previous().start  # the previous period too: the change figures read it
    seeded = ConnectionDaily.objects.filter(marketplace=marketplace, day__in=[seed_start, end]).count()
    if seeded < 2 * 15 * (OTHER_PROS + 1):  # 5 kinds x 3 sources per pro and day
        with connection.cursor() as cursor:
            cursor.execute(ROLLUP_SEED_SQL, {"mid": marketplace.pk, "start": seed_start, "end": end})
            cursor.execute("ANALYZE connections_connectiondaily")
    rows_pro = ConnectionDaily.objects.filter(pro=pro).count()
    rows_all = ConnectionDaily.objects.filter(marketplace=marketplace).count()

    runs = max(15, int(60 * SCALE))

    def timed(fn) -> list[float]:
        fn()
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t0) * 1000)
        return samples

    print(f"  dashboard, one pro over 365 days ({rows_pro} rollup rows of {rows_all} in the marketplace)")
    for bucket in (Bucket.DAY, Bucket.WEEK, Bucket.MONTH):

        def product(b=bucket):
            return connection_dashboard(marketplace=marketplace, period=period, bucket=b, pro=pro)

        def lower(b=bucket):
            return hand_dashboard(marketplace, pro, period, b)

        statements, data = results.count_statements(product)
        lower_statements, hand = results.count_statements(lower)
        differs = comparable(data) != hand
        product_ms, lower_ms = results.latency(timed(product)), results.latency(timed(lower))
        ratio = product_ms["p50"] / lower_ms["p50"]
        print(
            f"    bucket={bucket:<5} connection_dashboard p50 {product_ms['p50']:6.2f} ms  hand SQL p50 "
            f"{lower_ms['p50']:6.2f} ms  ratio {ratio:.2f}x (target <= 1.5)  statements {statements} vs "
            f"{lower_statements}{'  FIGURES DIFFER' if differs else ''}"
        )
        results.record(
            "bench_clicks",
            f"connections_dashboard_{bucket}",
            {
                "product": {**product_ms, "what": "connections.selectors.connection_dashboard (in-process)"},
                "lower_bound": {
                    **lower_ms,
                    "what": "one grouping-sets scan of the rollups + one GROUP BY of the leads and ledger",
                    "statements_per_request": lower_statements,
                },
                "ratio": ratio,
                "ratio_of": "p50",
                "target": 1.5,
                "target_is": "max",
                "statements_per_request": statements,
                "figures_differ": differs,
            },
        )


if __name__ == "__main__":
    results.start_module("bench_clicks")
    marketplace, pro = seed()
    bench_redirects(marketplace, pro)
    bench_dashboard(marketplace, pro)
