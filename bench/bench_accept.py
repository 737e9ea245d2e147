"""Accept benchmark: requests/s of ``POST /api/v1/pro/leads/{id}/accept/`` with 16 concurrent
clients against gunicorn, beside a bare Django WSGI view doing the same transaction.

Both gunicorns run the same workers with the product's production connection handling
(Django's psycopg pool, lifetime 0): the bare view fires Django's request_started and
request_finished like any Django request, so it too takes a pooled connection per request and
gives it back. Statements per request are counted for one in-process request of each.

Both servers run the same phases on the same kind of data (a 25.00 fee paid with the local
gateway's ``pm_card_visa``): lock the lead and pro and commit a pending charge, call the
gateway with the charge's key, then mark it paid, write the ledger entry and accept the lead.
The product path adds DRF, JWT authentication, marketplace resolution, the selector read for
the response, the lead event, connection and ranking hooks. ``BENCH_SCALE`` shrinks the number
of leads per client (default 200 each, so 3,200 accepts per server).
"""

# ruff: noqa: S603, S311
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
# As in the gunicorns: the ranking refresh an accept queues is published, not run inline, when
# the in-process request is counted.
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import callgrind, results  # noqa: E402
from billing.models import Charge, ChargeStatus, LedgerEntry, LedgerKind, PaymentProfile  # noqa: E402
from leads.models import Lead, LeadStatus, QuoteRequest  # noqa: E402

CLIENTS = 16
SCALE = results.scale()
COUNTED = 3  # leads accepted in-process to count statements (the last one is reported)
LEADS_PER_CLIENT = max(10, int(200 * SCALE))
SLUG = "bench-accept"
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", str(min(8, 2 * (os.cpu_count() or 1) + 1))))


def seed() -> tuple[list[tuple[str, list[int]]], list[tuple[int, list[int]]]]:
    """16 pros with a saved test card; per pro, two disjoint sets of pending leads (one set
    per server). Returns [(bearer token, lead ids)] for the API and [(pro id, lead ids)] for bare."""
    from rest_framework_simplejwt.tokens import RefreshToken

    from bench.bench_matching import insert_select
    from marketplace.api.authentication import MARKETPLACE_CLAIM
    from marketplace.models import Marketplace, MarketplacePolicy, Role, User
    from pros.models import Category
    from pros.services import pro_create

    marketplace, _ = Marketplace.objects.get_or_create(
        slug=SLUG,
        defaults={"name": "Bench accept", "currency": "CAD", "time_zone": "America/Toronto", "postal_scheme": "ca_fsa"},
    )
    MarketplacePolicy.objects.get_or_create(marketplace=marketplace)
    category, _ = Category.objects.get_or_create(
        marketplace=marketplace, slug="plumbing", defaults={"name": "Plumbing"}
    )
    homeowner = User.objects.filter(marketplace=marketplace, email="asker@bench.test").first() or (
        User.objects.create_user("asker@bench.test", "bench-pass-1234", marketplace=marketplace, name="Asker")
    )
    api, bare = [], []
    deadline = timezone.now() + timezone.timedelta(days=3)
    for index in range(CLIENTS):
        email = f"pro{index}@bench.test"
        user = User.objects.filter(marketplace=marketplace, email=email).first()
        if user is None:
            pro = pro_create(marketplace=marketplace, name=f"Bench Pro {index}")
            user = User.objects.create_user(
                email, "bench-pass-1234", marketplace=marketplace, role=Role.PRO, pro=pro, name=email
            )
            PaymentProfile.objects.create(
                marketplace=marketplace, pro=pro, gateway="local", payment_method_token="pm_card_visa"
            )
        sets = []
        for _ in range(2):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT coalesce(max(id), 0) FROM leads_quoterequest")
                before = cursor.fetchone()[0]
                insert_select(
                    QuoteRequest,
                    "generate_series(1, %s) g",
                    {
                        "marketplace_id": str(marketplace.pk),
                        "homeowner_id": str(homeowner.pk),
                        "category_id": str(category.pk),
                        "source": "'platform'",
                        "target_pro_id": "NULL",
                        "postal_code": "'M5V 3L9'",
                        "area": "'M5V'",
                        "description": "'bench job ' || g",
                        "contact_name": "'Pat'",
                        "contact_phone": "'+1 416 555 0100'",
                        "status": "'open'",
                    },
                    [LEADS_PER_CLIENT],
                )
                insert_select(
                    Lead,
                    "leads_quoterequest r WHERE r.id > %s",
                    {
                        "marketplace_id": str(marketplace.pk),
                        "request_id": "r.id",
                        "pro_id": str(user.pro_id),
                        "kind": "'new'",
                        "status": "'pending'",
                        "deadline": f"'{deadline.isoformat()}'::timestamptz",
                        "fee_amount": "2500",
                        "fee_currency": "'CAD'",
                    },
                    [before],
                )
                cursor.execute(
                    "SELECT id FROM leads_lead WHERE pro_id = %s AND request_id > %s ORDER BY id", [user.pro_id, before]
                )
                sets.append([row[0] for row in cursor.fetchall()])
        token = RefreshToken.for_user(user)
        token[MARKETPLACE_CLAIM] = marketplace.pk
        api.append((str(token.access_token), sets[0]))
        bare.append((user.pro_id, sets[1]))
    return api, bare


def with_request_lifecycle(app):
    """Django's request signals around a bare WSGI callable: request_started and
    request_finished close (with the pool: give back) the request's connection exactly as
    Django's own WSGI handler does for the product."""
    from django.core import signals

    def wrapped(environ, start_response):
        signals.request_started.send(sender=None, environ=environ)
        try:
            return app(environ, start_response)
        finally:
            signals.request_finished.send(sender=None)

    return wrapped


def _bare_accept(environ, start_response):
    """The bare view: the same three phases with plain Django, no DRF, no auth, no middleware."""
    from billing.gateways import ChargeRequest, gateway_get

    lead_id = int(environ["PATH_INFO"].strip("/").split("/")[-1])
    pro_id = int(environ["HTTP_X_PRO"])
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead_id, pro_id=pro_id)
        list(QuoteRequest.objects.select_for_update().filter(pk=lead.request_id))
        if lead.status != LeadStatus.PENDING:
            start_response("409 Conflict", [("Content-Type", "application/json")])
            return [b'{"error": "lead_not_pending"}']
        token = PaymentProfile.objects.get(pro_id=pro_id).payment_method_token
        charge = Charge.objects.create(
            marketplace_id=lead.marketplace_id,
            pro_id=pro_id,
            lead=lead,
            amount=lead.fee_amount,
            currency=lead.fee_currency,
            idempotency_key=f"bare-{lead.pk}",
            gateway="local",
            payment_method_token=token,
        )
    result = gateway_get("local").charge(
        ChargeRequest(
            amount=charge.amount,
            currency=charge.currency,
            payment_method=token,
            customer="",
            idempotency_key=charge.idempotency_key,
            description="",
        )
    )
    now = timezone.now()
    with transaction.atomic():
        Charge.objects.filter(pk=charge.pk).update(
            status=ChargeStatus.SUCCEEDED, gateway_reference=result.reference, completed_at=now
        )
        LedgerEntry.objects.create(
            marketplace_id=lead.marketplace_id,
            pro_id=pro_id,
            lead=lead,
            charge=charge,
            kind=LedgerKind.CHARGE,
            amount=charge.amount,
            currency=charge.currency,
            idempotency_key=f"bare-{lead.pk}:ledger",
        )
        Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.ACCEPTED, responded_at=now, contact_revealed_at=now)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"id": lead.pk, "status": "accepted"}).encode()]


bare_app = with_request_lifecycle(_bare_accept)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = results.server_env()
    process = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            app,
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--graceful-timeout",
            "3",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn {app} did not start")


def hammer(port: int, jobs: list[tuple[dict, list[str]]]) -> tuple[float, int, int]:
    """Each job (headers, paths) is one client on a keep-alive connection; all start together."""
    barrier = threading.Barrier(len(jobs) + 1)
    ok, failed = [0], [0]
    lock = threading.Lock()

    def client(headers, paths):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        barrier.wait()
        for path in paths:
            conn.request("POST", path, body=b"{}", headers={"Content-Type": "application/json", **headers})
            response = conn.getresponse()
            response.read()
            with lock:
                (ok if response.status == 200 else failed)[0] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, ok[0], failed[0]


def count_product(token: str, lead_ids: list[int]) -> list[int]:
    """Statements of in-process accepts through Django's test client (the whole stack)."""
    from django.test import Client

    client = Client()
    headers = {"Authorization": f"Bearer {token}", "X-Marketplace": SLUG}
    counts = []
    for lead_id in lead_ids:
        n, response = results.count_statements(
            lambda lead_id=lead_id: client.post(
                f"/api/v1/pro/leads/{lead_id}/accept/", data=b"{}", content_type="application/json", headers=headers
            )
        )
        if response.status_code != 200:
            raise RuntimeError(f"in-process accept answered {response.status_code}: {response.content[:300]!r}")
        counts.append(n)
    return counts


def count_bare(pro_id: int, lead_ids: list[int]) -> list[int]:
    counts = []
    for lead_id in lead_ids:
        environ = {"PATH_INFO": f"/accept/{lead_id}", "HTTP_X_PRO": str(pro_id), "REQUEST_METHOD": "POST"}
        n, _ = results.count_statements(lambda environ=environ: b"".join(bare_app(environ, lambda *a: None)))
        counts.append(n)
    return counts


def main() -> None:
    results.start_module("bench_accept")
    api, bare = seed()
    # The first leads of the first client are accepted in-process to count statements.
    (token, api_ids), (pro_id, bare_ids) = api[0], bare[0]
    api[0], bare[0] = (token, api_ids[COUNTED:]), (pro_id, bare_ids[COUNTED:])
    product_counts = count_product(token, api_ids[:COUNTED])
    bare_counts = count_bare(pro_id, bare_ids[:COUNTED])
    print(f"  statements per accept (in-process, {COUNTED} requests): product {product_counts}, bare {bare_counts}")
    instructions = None
    if callgrind.available():
        (token, api_ids), (pro_id, bare_ids) = api[0], bare[0]
        api[0], bare[0] = (token, api_ids[callgrind.NEEDED :]), (pro_id, bare_ids[callgrind.NEEDED :])
        product_ir = callgrind.measure(
            [
                {
                    "method": "POST",
                    "path": f"/api/v1/pro/leads/{lead_id}/accept/",
                    "headers": {"Authorization": f"Bearer {token}", "X-Marketplace": SLUG},
                    "body": "{}",
                    "expect": 200,
                }
                for lead_id in api_ids[: callgrind.NEEDED]
            ]
        )
        bare_ir = callgrind.measure(
            [
                {
                    "wsgi": "bench.bench_accept:bare_app",
                    "method": "POST",
                    "path": f"/accept/{lead_id}",
                    "headers": {"X-Pro": str(pro_id)},
                    "expect": 200,
                }
                for lead_id in bare_ids[: callgrind.NEEDED]
            ]
        )
        instructions = {"product_ir": product_ir, "lower_bound_ir": bare_ir, "ratio": round(bare_ir / product_ir, 3)}
        print(f"  instructions per accept (callgrind): product {product_ir:,}, bare {bare_ir:,}")
    rates = {}
    for name, app, jobs in [
        (
            "product API (DRF view, JWT)",
            "marketplace.wsgi:application",
            [
                (
                    {"Authorization": f"Bearer {token}", "X-Marketplace": SLUG},
                    [f"/api/v1/pro/leads/{lead_id}/accept/" for lead_id in ids],
                )
                for token, ids in api
            ],
        ),
        (
            "bare Django WSGI view",
            "bench.bench_accept:bare_app",
            [({"X-Pro": str(pro_id)}, [f"/accept/{lead_id}" for lead_id in ids]) for pro_id, ids in bare],
        ),
    ]:
        process, port = serve(app)
        try:
            elapsed, ok, failed = hammer(port, jobs)
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        rates[name] = (ok / elapsed, ok, failed)
        print(f"  {name}: {ok} accepts ({failed} failed) in {elapsed:.2f}s = {ok / elapsed:.0f} req/s")
    (product, ok, failed), (bare_rate, bare_ok, bare_failed) = rates.values()
    ratio = product / bare_rate
    print(
        f"accept with {CLIENTS} concurrent clients, {WORKERS} gunicorn workers (pool on both): product / bare = "
        f"{ratio:.2f}  (target >= 0.5)"
    )
    results.record(
        "bench_accept",
        "accept",
        {
            "product": {"req_s": round(product, 1), "ok": ok, "failed": failed, "unit": "req/s"},
            "lower_bound": {
                "req_s": round(bare_rate, 1),
                "ok": bare_ok,
                "failed": bare_failed,
                "unit": "req/s",
                "what": "bare Django WSGI view, same transaction and gateway call",
                "statements_per_request": bare_counts[-1],
            },
            "ratio": ratio,
            "ratio_of": "req_s",
            "target": 0.5,
            "target_is": "min",
            "statements_per_request": product_counts[-1],
            "statements_in_process": product_counts,
            "instructions_per_request": instructions,
        },
        settings={"gunicorn_workers": WORKERS, "clients": CLIENTS, "worker_class": "sync"},
    )


if __name__ == "__main__":
    main()
