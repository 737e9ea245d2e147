"""Website-click redirect throughput beside a bare redirect, and the pro dashboard over a year.

1. gunicorn serves the product and a bare Django redirect view (bench/clicks_urls.py) in one
   run; 16 client threads hammer each path with keep-alive connections:
   - bare redirect (lower bound),
   - tracked website click, a new visitor every request (the counted INSERT path),
   - tracked website click, the same visitor again (the deduplicated path),
   - tracked website click by a crawler (same view and lookups, no write).
2. One pro's dashboard (daily buckets, totals, previous period, sources, closed loop) over
   a year of daily rollups, in a marketplace holding many pros' rollups; beside a hand-written
   GROUP BY over the same rows (lower bound).

BENCH_SCALE shrinks/grows request counts and the number of other pros.
"""

import http.client
import os
import statistics
import subprocess
import sys
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django.setup()

import datetime as dt  # noqa: E402

from django.db import connection  # noqa: E402

from connections.models import ClickGate, ConnectionDaily, ConnectionEvent  # noqa: E402
from connections.selectors import Bucket, DateRange, connection_dashboard  # noqa: E402
from marketplace.localtime import local_today  # noqa: E402
from marketplace.models import Marketplace, MarketplacePolicy  # noqa: E402
from pros.models import Pro  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
CLIENTS = 16
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
        **os.environ,
        "DJANGO_ENV": "development",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "NUM_PROXIES": "1",
        "THROTTLE_CLICKS": "100000000/min",
    }
    proc = subprocess.Popen(  # noqa: S603 - a fixed command line, no user input
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "bench.clicks_wsgi:application",
            "--bind", f"127.0.0.1:{PORT}",
            "--workers", "2", "--worker-class", "gthread", "--threads", "8",
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


def _visitor(i: int, n: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"10.{i % 256}.{n // 256 % 256}.{n % 256}"}


def bench_redirects(marketplace: Marketplace, pro: Pro) -> None:
    proc = start_gunicorn()
    try:
        base = {"X-Marketplace": marketplace.slug, "Connection": "keep-alive"}
        tracked = f"/api/v1/pros/{pro.pk}/website/?source=bench"
        hammer("/bench/redirect/", lambda i, n: {**base, "User-Agent": BROWSER})  # warm-up
        bare, bare_err = hammer("/bench/redirect/", lambda i, n: {**base, "User-Agent": BROWSER})
        fresh, fresh_err = hammer(tracked, lambda i, n: {**base, "User-Agent": BROWSER, **_visitor(i, n)})
        counted = ConnectionEvent.objects.filter(marketplace=marketplace).count()
        repeat, repeat_err = hammer(tracked, lambda i, n: {**base, "User-Agent": BROWSER, **_visitor(i, 0)})
        counted_after = ConnectionEvent.objects.filter(marketplace=marketplace).count()
        # Same view, same lookups, but a crawler: no write. Separates the API machinery's cost
        # (marketplace and pro lookups, DRF) from the click write's.
        bot, bot_err = hammer(tracked, lambda i, n: {**base, "User-Agent": "curl/8.5.0"})
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"  website click, {CLIENTS} clients, {REQUESTS} requests per path (gunicorn 2 workers x 8 threads)")
    print(f"    bare redirect view          {bare:8.0f} req/s   (errors {bare_err})")
    print(
        f"    tracked, new visitor        {fresh:8.0f} req/s   ratio {fresh / bare:.2f}"
        f"  (errors {fresh_err}, events {counted})"
    )
    print(
        f"    tracked, repeat visitor     {repeat:8.0f} req/s   ratio {repeat / bare:.2f}"
        f"  (errors {repeat_err}, new events {counted_after - counted})"
    )
    print(f"    tracked, bot (not counted)  {bot:8.0f} req/s   ratio {bot / bare:.2f}  (errors {bot_err})")


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


def bench_dashboard(marketplace: Marketplace, pro: Pro) -> None:
    existing = Pro.objects.filter(marketplace=marketplace).count() - 1
    Pro.objects.bulk_create(
        [Pro(marketplace=marketplace, slug=f"bench-other-{n}", name=f"Other {n}") for n in range(existing, OTHER_PROS)]
    )
    end = local_today(marketplace=marketplace)
    start = end - dt.timedelta(days=364)
    seeded = ConnectionDaily.objects.filter(marketplace=marketplace, day__in=[start, end]).count()
    if seeded < 2 * 15 * (OTHER_PROS + 1):  # 5 kinds x 3 sources per pro and day
        with connection.cursor() as cursor:
            cursor.execute(ROLLUP_SEED_SQL, {"mid": marketplace.pk, "start": start, "end": end})
            cursor.execute("ANALYZE connections_connectiondaily")
    rows_pro = ConnectionDaily.objects.filter(pro=pro).count()
    rows_all = ConnectionDaily.objects.filter(marketplace=marketplace).count()
    period = DateRange(start, end)

    def timed(fn, runs=15) -> float:
        fn()
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t0) * 1000)
        return statistics.median(samples)

    results = {
        bucket: timed(lambda b=bucket: connection_dashboard(marketplace=marketplace, period=period, bucket=b, pro=pro))
        for bucket in (Bucket.DAY, Bucket.WEEK, Bucket.MONTH)
    }

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT day, kind, SUM(count) FROM connections_connectiondaily"
                " WHERE marketplace_id = %s AND pro_id = %s AND day BETWEEN %s AND %s GROUP BY day, kind",
                [marketplace.pk, pro.pk, start, end],
            )
            cursor.fetchall()

    lower = timed(raw)
    print(f"  dashboard, one pro over 365 days ({rows_pro} rollup rows of {rows_all} in the marketplace)")
    for bucket, ms in results.items():
        print(f"    connection_dashboard bucket={bucket:<5} {ms:7.1f} ms (median)   ratio {ms / lower:.1f}x")
    print(f"    hand-written GROUP BY (lower)  {lower:7.1f} ms (median)")


if __name__ == "__main__":
    marketplace, pro = seed()
    bench_redirects(marketplace, pro)
    bench_dashboard(marketplace, pro)
