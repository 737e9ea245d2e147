"""Faults with real services: each leaves nothing lost and nothing doubled.

- PostgreSQL connection dropped mid-request → a clean 503, no half-written request; the retry works.
- Redis down while a quote request is created → 201, request and leads saved; the notices go
  out once Redis is back (the periodic re-drive of undelivered notifications), exactly once.
- A Celery worker SIGKILLed in the middle of the expiry and the rollup jobs → the rerun
  finishes them; every lead expired once, every connection counted once.
- The payment provider answering 5xx or timing out during accept → 503; the retry charges once.
"""

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.utils import timezone

from billing.models import Charge, LedgerEntry, LocalGatewayPayment
from connections.models import ConnectionDaily, ConnectionEvent
from leads.models import Lead, LeadEvent, Notification, QuoteRequest
from leads.tasks import accept_charges_recover
from marketplace.celery import app
from tests.factories import ProFactory, QuoteRequestFactory, UserFactory
from tests.leads.test_notifications import Receiver

ROOT = Path(__file__).resolve().parents[2]
CONTACT = {"name": "Pat", "phone": "+1 416 555 0100", "email": "pat@example.test"}


def _request_body(category="plumbing"):
    return {
        "category": category,
        "postal_code": "M5V 3L9",
        "description": "The basement floods when it rains.",
        "contact": CONTACT,
    }


def _wait_for(predicate, timeout=30.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


# --- PostgreSQL drops the connection in the middle of a request ---------------------------


@contextlib.contextmanager
def _connection_killed_before(sql_prefix: str):
    """Terminate this connection's PostgreSQL backend (as a failover or an admin would) right
    before the first statement starting with ``sql_prefix`` runs."""
    fired = []

    def wrapper(execute, sql, params, many, context):
        if not fired and sql.lstrip().startswith(sql_prefix):
            fired.append(sql)
            pid = connection.connection.info.backend_pid
            dsn = connection.get_connection_params()
            with psycopg.connect(
                host=dsn.get("host"),
                port=dsn.get("port"),
                user=dsn.get("user"),
                password=dsn.get("password") or None,
                dbname=dsn["dbname"],
                autocommit=True,
            ) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            time.sleep(0.05)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield fired


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_mid_request_is_a_clean_503_and_nothing_half_written(world, role_client):
    client = role_client("other_homeowner")
    before = Lead.objects.count()
    with _connection_killed_before('INSERT INTO "leads_lead"') as fired:
        response = client.post("/api/v1/quote-requests/", _request_body(), format="json")
    assert fired, "the lead insert never ran: the fault was not injected"
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response["Retry-After"]
    connection.close()  # the test's own handle on the killed backend
    assert not QuoteRequest.objects.filter(homeowner=world.users["other_homeowner"]).exists()
    assert Lead.objects.count() == before

    retry = client.post("/api/v1/quote-requests/", _request_body(), format="json")
    assert retry.status_code == 201
    assert Lead.objects.filter(request_id=retry.json()["id"]).count() == 2  # both member pros


# --- Redis down while a quote request is created ----------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _broker(url: str):
    """Point the Celery app's producer at ``url`` (a closed port = Redis down)."""
    saved = app.conf.broker_url, app.conf.broker_write_url

    def reset_pools():
        # kombu keeps its producer pools per broker URL: forget the app's handles (never close
        # them: other code may still hold the healthy ones) and the next publish uses the URL.
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url, app.conf.broker_write_url = url, None
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_write_url = saved
        reset_pools()


@contextlib.contextmanager
def _redis_down(settings):
    """All of Redis gone, as in an outage: the Celery broker and the cache (throttle counters)."""
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    saved = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    try:
        with _broker(url):
            yield
    finally:
        settings.CACHES = saved


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_redis_down_while_a_request_is_created_saves_it_and_notifies_once_redis_is_back(world, role_client, settings):
    with Receiver() as receiver:
        for name in ("pro", "other_pro"):
            pro = world.objects[name]
            pro.webhook_url, pro.webhook_secret = receiver.url, "s3cret"
            pro.save(update_fields=["webhook_url", "webhook_secret"])
        with _redis_down(settings):
            response = role_client("other_homeowner").post("/api/v1/quote-requests/", _request_body(), format="json")
        assert response.status_code == 201, response.content[:300]
        leads = Lead.objects.filter(request_id=response.json()["id"])
        assert leads.count() == 2
        notices = Notification.objects.filter(lead__in=leads)
        assert notices.count() == 2 and not receiver.received

        assert "leads.tasks.notifications_resend_stale" in {e["task"] for e in app.conf.beat_schedule.values()}
        notices.update(created_at=timezone.now() - dt.timedelta(minutes=10))  # well past any grace period
        app.control.purge()
        with start_worker(app, perform_ping_check=False, pool="solo"):
            app.send_task("leads.tasks.notifications_resend_stale")
            app.send_task("leads.tasks.notifications_resend_stale")  # a second beat tick re-sends nothing
            assert _wait_for(lambda: notices.filter(webhook_status="sent").count() == 2, timeout=20)
            time.sleep(1.0)
    assert len(receiver.received) == 2
    assert sorted(int(h["X-Leads-Timestamp"]) > 0 for h, _ in receiver.received) == [True, True]


# --- a worker SIGKILLed in the middle of the expiry and rollup jobs ----------------------


@contextlib.contextmanager
def _worker_process(**env):
    """A real `celery worker` process on the test database and this Redis."""
    environ = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": _test_database_url(),
        "DATABASE_POOL": "false",
        **env,
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "marketplace",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _test_database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _overdue_leads(marketplace, *, requests: int, pros: int) -> int:
    owners = [UserFactory(marketplace=marketplace, role="homeowner") for _ in range(4)]
    pro_rows = [ProFactory(marketplace=marketplace) for _ in range(pros)]
    base = QuoteRequestFactory(marketplace=marketplace, homeowner=owners[0])
    rows = [
        QuoteRequest(
            marketplace=marketplace,
            homeowner=owners[i % 4],
            category=base.category,
            source="platform",
            postal_code="M5V 3L9",
            area="M5V",
            description=f"job {i}",
            contact_name="Pat",
            contact_phone="+1 416 555 0100",
            contact_email="pat@example.test",
        )
        for i in range(requests - 1)
    ]
    quote_requests = [base, *QuoteRequest.objects.bulk_create(rows)]
    past = timezone.now() - dt.timedelta(hours=1)
    Lead.objects.bulk_create(
        Lead(
            marketplace=marketplace,
            request=r,
            pro=p,
            kind="matched",
            status="pending",
            deadline=past,
            fee_amount=2500,
            fee_currency=marketplace.currency,
        )
        for r in quote_requests
        for p in pro_rows
    )
    return requests * pros


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_expiry_leaves_a_rerun_to_finish_and_nothing_expires_twice(marketplace):
    total = _overdue_leads(marketplace, requests=300, pros=8)
    app.control.purge()
    pending = Lead.objects.filter(status="pending")
    with _worker_process(CELERY_BATCH_SIZE="8") as worker:
        app.send_task("leads.tasks.leads_expire_due")
        assert _wait_for(lambda: pending.count() < total, timeout=30, interval=0.01), "the job never started"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    left = pending.count()
    assert 0 < left < total, f"the kill did not land mid-job ({left} of {total} still pending)"

    app.control.purge()  # beat's next tick, not a redelivery, finishes the job
    with _worker_process(CELERY_BATCH_SIZE="200"):
        app.send_task("leads.tasks.leads_expire_due")
        assert _wait_for(lambda: not pending.exists(), timeout=60)
    assert Lead.objects.filter(status="expired").count() == total
    expiries = LeadEvent.objects.filter(to_status="expired")
    assert expiries.count() == total
    assert expiries.values("lead").distinct().count() == total
    assert not QuoteRequest.objects.filter(marketplace=marketplace, status="open").exists()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_rollup_leaves_a_rerun_to_count_every_connection_exactly_once(marketplace):
    pros = [ProFactory(marketplace=marketplace) for _ in range(40)]
    now = timezone.now()
    events = [
        ConnectionEvent(
            marketplace=marketplace,
            pro=pro,
            kind=kind,
            occurred_at=now - dt.timedelta(minutes=i),
            visitor_key=f"v{n}-{i}",
        )
        for n, pro in enumerate(pros)
        for i in range(150)
        for kind in ("phone_click", "website_click")
    ]
    ConnectionEvent.objects.bulk_create(events, batch_size=2000)
    app.control.purge()
    with _worker_process() as worker:
        app.send_task("connections.tasks.connections_rollup")
        time.sleep(1.5)  # the worker boots and starts the rollup; kill it wherever it is
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    app.control.purge()
    for _ in range(2):  # the next beat tick, and one more: a rerun never adds to the counts
        with _worker_process():
            app.send_task("connections.tasks.connections_rollup")
            assert _wait_for(
                lambda: (
                    sum(ConnectionDaily.objects.filter(marketplace=marketplace).values_list("count", flat=True))
                    == len(events)
                ),
                timeout=60,
            )
    counted = sum(ConnectionDaily.objects.filter(marketplace=marketplace).values_list("count", flat=True))
    assert counted == len(events) == ConnectionEvent.objects.filter(marketplace=marketplace).count()


# --- the payment provider fails during accept --------------------------------------------


def _accept(client, lead, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {"message": "Tomorrow 9am."}, format="json", **headers)


@pytest.mark.django_db
def test_a_provider_500_during_accept_is_503_and_the_retry_with_the_same_key_charges_once(
    api_client,
    marketplace,
    pro_user,
    pending_lead,
    fake_stripe,
):
    lead = pending_lead()
    client = api_client(marketplace, pro_user)
    fake_stripe.fail_next("500")
    first = _accept(client, lead, key="accept-once-1")
    assert first.status_code == 503
    assert first.json()["error"]["code"]
    lead.refresh_from_db()
    assert lead.status == "pending" and not LedgerEntry.objects.exists()

    retry = _accept(client, lead, key="accept-once-1")
    assert retry.status_code == 200
    assert retry.json()["contact"] is not None
    assert _accept(client, lead, key="accept-once-1").status_code == 200  # a replay, not a charge
    assert len([pi for pi in fake_stripe.payment_intents.values() if pi["status"] == "succeeded"]) == 1
    assert LedgerEntry.objects.count() == 1
    assert Charge.objects.filter(status="succeeded").count() == 1


@pytest.mark.django_db
def test_a_provider_timeout_during_accept_is_503_and_the_retries_never_charge_twice(
    api_client,
    marketplace,
    pro_user,
    pending_lead,
    fake_stripe,
):
    lead = pending_lead()
    client = api_client(marketplace, pro_user)
    fake_stripe.fail_next("timeout_after_work")
    first = _accept(client, lead)
    assert first.status_code == 503
    assert first["Retry-After"]

    retries = [_accept(client, lead).status_code for _ in range(3)]
    assert all(code in (200, 409, 503) for code in retries), retries
    Charge.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    accept_charges_recover()
    lead.refresh_from_db()
    if lead.status != "accepted":
        assert _accept(client, lead).status_code == 200
        lead.refresh_from_db()
    assert lead.status == "accepted"
    assert len(fake_stripe.payment_intents) == 1
    assert LedgerEntry.objects.count() == 1
    assert sum(Charge.objects.filter(status="succeeded").values_list("amount", flat=True)) == 2500


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_redis_down_during_an_accept_still_answers_200_with_the_contact_and_one_charge(world, role_client, settings):
    lead = world.objects["lead"]
    with _redis_down(settings):
        response = role_client("pro").post(f"/api/v1/pro/leads/{lead.pk}/accept/", {"message": "Hi"}, format="json")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["contact"] is not None
    lead.refresh_from_db()
    assert lead.status == "accepted"
    assert Charge.objects.filter(lead=lead, status="succeeded").count() == 1
    assert LedgerEntry.objects.filter(lead=lead, kind="charge").count() == 1


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_provider_event_received_while_the_broker_is_down_is_processed_once_it_is_back(
    api_client,
    marketplace,
    fake_stripe,
):
    from billing.models import ProviderEvent
    from tests.payments.conftest import event, post_webhook

    payload = event("customer.created", {"id": "cus_fault", "object": "customer"}, event_id="evt_redis_down")
    client = api_client(marketplace, raise_request_exception=False)
    with _broker(f"redis://127.0.0.1:{_closed_port()}/0"):  # the broker alone (CELERY_BROKER_URL)
        first = post_webhook(client, payload)
    assert first.status_code < 600  # whatever it answered, Stripe retries anything but a 2xx
    app.control.purge()
    with start_worker(app, perform_ping_check=False, pool="solo"):
        if not 200 <= first.status_code < 300:
            assert post_webhook(client, payload).status_code == 200  # Stripe's retry of the same event
        assert _wait_for(
            lambda: ProviderEvent.objects.filter(event_id="evt_redis_down", processed_at__isnull=False).exists(),
            timeout=20,
        ), "the event was stored but never processed"
    assert ProviderEvent.objects.filter(event_id="evt_redis_down").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_after_the_payment_is_a_503_and_recovery_completes_one_charge(world, role_client):
    """The worst moment: the provider has taken the money, and the connection dies before the
    ledger entry is written. The pro gets a clean 503; the retry or the recovery job finishes the
    accept from the pending charge, under the same key, and nothing is charged twice."""
    lead = world.objects["lead"]
    client = role_client("pro")
    with _connection_killed_before('INSERT INTO "billing_ledgerentry"') as fired:
        response = client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {"message": "Hi"}, format="json")
    assert fired, "the ledger insert never ran: the fault was not injected"
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    connection.close()
    lead.refresh_from_db()
    assert lead.status == "pending" and not LedgerEntry.objects.filter(lead=lead).exists()
    assert Charge.objects.get(lead=lead).status == "pending"  # paid at the provider, not yet recorded

    retry = client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {"message": "Hi"}, format="json")
    assert retry.status_code == 200, retry.content[:300]
    assert retry.json()["contact"] is not None
    Charge.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    accept_charges_recover()  # and the recovery job finds nothing left to do
    lead.refresh_from_db()
    assert lead.status == "accepted"
    assert Charge.objects.filter(lead=lead).count() == 1
    assert list(LedgerEntry.objects.filter(lead=lead).values_list("kind", "amount")) == [("charge", 2500)]
    assert LocalGatewayPayment.objects.filter(succeeded=True).count() == 1  # the provider charged once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_redis_down_logins_still_work_because_throttles_fail_open(world, api_client, settings):
    from tests.proof.conftest import PASSWORD

    with _redis_down(settings):
        response = api_client(world.marketplace).post(
            "/api/v1/auth/token/", {"email": world.users["homeowner"].email, "password": PASSWORD}, format="json"
        )
    assert response.status_code == 200
    assert response.json()["access"]
