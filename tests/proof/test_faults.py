"""Faults with real services: each leaves nothing lost and nothing doubled.

- PostgreSQL connection dropped mid-request → a clean 503, no half-written request; the retry works.
- Redis down while a quote request is created → 201, request and leads saved; the notices go
  out once Redis is back (the periodic re-drive of undelivered notifications), exactly once.
- A Celery worker SIGKILLed in the middle of the expiry job, the connections rollup and the
  ranking rollup — each kill lands only once PostgreSQL shows the job in flight (leads half
  expired; a marketplace's recount running after others committed; the ranking rollup holding
  a marketplace's advisory lock) → the rerun finishes them; every lead expired once, every
  connection counted once, every demoted pro notified once.
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
from django.db.models import Sum
from django.utils import timezone

from billing.models import Charge, LedgerEntry, LocalGatewayPayment
from connections.models import ConnectionDaily, ConnectionEvent
from connections.tasks import connections_rollup
from leads.models import Lead, LeadEvent, Notification, QuoteRequest
from leads.tasks import accept_charges_recover
from marketplace.celery import app
from marketplace.models import Marketplace, MarketplacePolicy
from pros.models import Pro
from ranking.models import ProDailySnapshot, ProStanding
from ranking.services import ADVISORY_LOCK_NAMESPACE, NOTIFY_DEMOTED, pro_stats_rollup
from tests.factories import MarketplaceFactory, ProFactory, QuoteRequestFactory, UserFactory
from tests.leads.test_notifications import Receiver
from tests.ranking.bulk import insert_select, pros_with_leads

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
def test_redis_down_while_a_request_is_created_saves_it_and_notifies_once_redis_is_back(
    world, role_client, settings, local_webhooks
):
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


def _tenants_with_clicks(*, tenants: int, clicks_each: int, big: int, big_clicks: int) -> dict[int, int]:
    """``tenants`` marketplaces with one pro each and ``clicks_each`` clicks in the last hour,
    the one at position ``big`` (in slug order, the job's order) with ``big_clicks``."""
    markets = Marketplace.objects.bulk_create(
        Marketplace(slug=f"t{n:04d}", name=f"Tenant {n}", currency="CAD", postal_scheme="ca_fsa", time_zone="UTC")
        for n in range(tenants)
    )
    MarketplacePolicy.objects.bulk_create(MarketplacePolicy(marketplace=m) for m in markets)
    Pro.objects.bulk_create(Pro(marketplace=m, name=f"Pro {m.slug}", slug=f"pro-{m.slug}") for m in markets)
    clicks = {m.pk: clicks_each for m in markets} | {markets[big].pk: big_clicks}
    ids = ", ".join(str(int(m.pk)) for m in markets)
    for count, where in (
        (clicks_each, f"p.marketplace_id IN ({ids}) AND p.marketplace_id <> {int(markets[big].pk)}"),
        (big_clicks, f"p.marketplace_id = {int(markets[big].pk)}"),
    ):
        insert_select(
            "connections_connectionevent",
            {
                "marketplace_id": "p.marketplace_id",
                "pro_id": "p.id",
                "kind": "CASE WHEN g % 2 = 0 THEN 'phone_click' ELSE 'website_click' END",
                "occurred_at": "now() - (g % 3000) * interval '1 second'",
                "visitor_key": "'v' || g",
            },
            f"pros_pro p CROSS JOIN generate_series(1, {int(count)}) g WHERE {where}",
        )
    with connection.cursor() as cursor:  # as after any bulk load: the planner sees the new rows
        cursor.execute("ANALYZE connections_connectionevent")
    return clicks


def _rolled_up() -> dict[int, int]:
    rows = ConnectionDaily.objects.values("marketplace").annotate(n=Sum("count")).order_by()
    return {row["marketplace"]: row["n"] for row in rows}


_ROLLUP_IN_FLIGHT = """
    SELECT pid, query FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE %s
"""


def _backend_gone(pid: int) -> bool:
    """The killed worker's PostgreSQL backend has noticed and ended (rolling back what it held)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is None


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_rollup_leaves_a_rerun_to_count_every_connection_exactly_once():
    """The periodic job recounts every marketplace, one transaction each, in slug order. The
    kill lands only once the worker's backend is seen running the big marketplace's recount,
    with the marketplaces before it committed: that recount is rolled back, the ones after it
    never start, and the rerun counts every click once."""
    tenants, big = 1500, 750  # the job: a few seconds, most of it looping over marketplaces
    expected = _tenants_with_clicks(tenants=tenants, clicks_each=10, big=big, big_clicks=200_000)
    big_market = Marketplace.objects.get(slug=f"t{big:04d}").pk
    app.control.purge()
    pid = None
    with _worker_process() as worker, connection.cursor() as cursor:
        app.send_task("connections.tasks.connections_rollup")
        deadline = time.monotonic() + 60
        while pid is None and time.monotonic() < deadline:
            cursor.execute(
                _ROLLUP_IN_FLIGHT, [f"%INSERT INTO connections_connectiondaily%marketplace_id = {big_market} %"]
            )
            row = cursor.fetchone()
            if row:
                pid = row[0]
                os.kill(worker.pid, signal.SIGKILL)
            else:
                time.sleep(0.002)
        worker.wait(timeout=10)
    assert pid is not None, "never saw the big marketplace's recount running"
    assert _wait_for(lambda: _backend_gone(pid), timeout=30), "the killed worker's backend never went away"

    done = _rolled_up()
    assert 0 < len(done) < tenants, f"the kill did not land mid-job ({len(done)} of {tenants} marketplaces rolled up)"
    assert big_market not in done  # in flight at the kill: its transaction never committed
    assert len(done) == big  # every marketplace before it committed, none after it started
    assert all(done[m] == expected[m] for m in done)  # and each whole: none half-counted

    app.control.purge()  # beat's next tick, not a redelivery, finishes the job
    with _worker_process():
        app.send_task("connections.tasks.connections_rollup")
        assert _wait_for(lambda: len(_rolled_up()) == tenants, timeout=60)
    connections_rollup()  # and one more run: a rerun never adds to the counts
    assert _rolled_up() == expected
    # one row per pro, kind and (UTC) day: the clicks span the last 50 minutes, which cross
    # midnight when the suite runs just after it
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT DISTINCT pro_id, kind, (occurred_at AT TIME ZONE 'UTC')::date"
            " FROM connections_connectionevent) days"
        )
        (pro_kind_days,) = cursor.fetchone()
    assert 2 * tenants <= pro_kind_days <= 4 * tenants
    assert ConnectionDaily.objects.filter(count__gt=0).count() == pro_kind_days
    assert ConnectionEvent.objects.count() == sum(expected.values())


_RANK_LOCK_HOLDER = """
    SELECT l.pid, EXTRACT(EPOCH FROM clock_timestamp() - a.xact_start)
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 2
      AND l.pid <> pg_backend_pid()
"""


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_ranking_rollup_leaves_a_rerun_to_finish_and_nothing_notified_twice():
    """One rollup per marketplace, each one transaction under the marketplace's advisory lock.
    The kill lands once the worker holds the big marketplace's lock (after the small one
    committed): nothing of that run survives, and the rerun demotes and notifies each pro once."""
    small, big = (MarketplaceFactory(slug=slug) for slug in ("rank-small", "rank-big"))
    MarketplacePolicy.objects.filter(marketplace__in=[small, big]).update(response_rate_demotion_enabled=True)
    sizes = {small.pk: 20, big.pk: 6000}  # the big one: a few seconds, 3,000 pros newly demoted
    for market in (small, big):
        pros_with_leads(market, pros=sizes[market.pk])
    demoted_pros = sum(sizes.values()) // 2
    with connection.cursor() as cursor:  # as after any bulk load: the planner sees the new rows
        cursor.execute("ANALYZE pros_pro, leads_quoterequest, leads_lead")

    def standings(market) -> int:
        return ProStanding.objects.filter(marketplace=market).count()

    app.control.purge()
    holder = None
    with _worker_process() as worker, connection.cursor() as cursor:
        for market in (small, big):  # the order beat's fan-out would queue them in, made explicit
            app.send_task("ranking.tasks.marketplace_stats_rollup", args=[market.pk])
        deadline = time.monotonic() + 60
        while holder is None and time.monotonic() < deadline:
            cursor.execute(_RANK_LOCK_HOLDER, [ADVISORY_LOCK_NAMESPACE, big.pk])
            row = cursor.fetchone()
            # Kill a second into the big marketplace's run (it takes several): its lock is held,
            # its rows are computed and it is notifying pros, all inside its one transaction.
            if row and row[1] >= 1.0 and standings(small) == sizes[small.pk]:
                holder = row[0]
                os.kill(worker.pid, signal.SIGKILL)
            else:
                time.sleep(0.005)
        worker.wait(timeout=10)
    assert holder is not None, "never saw the big marketplace's rollup holding its lock"
    assert _wait_for(lambda: _backend_gone(holder), timeout=30), "the killed worker's backend never went away"

    # In flight at the kill: the small marketplace done; the big one's rollup had begun (it
    # held its lock) and never committed — none of what it writes is there, not even the
    # notices it had already created.
    assert (standings(small), standings(big)) == (sizes[small.pk], 0), "the kill did not land mid-job"
    assert not ProDailySnapshot.objects.filter(marketplace=big).exists()
    assert not Pro.objects.filter(marketplace=big, demoted=True).exists()
    assert not Notification.objects.filter(marketplace=big).exists()
    assert Notification.objects.filter(marketplace=small, kind=NOTIFY_DEMOTED).count() == sizes[small.pk] // 2

    app.control.purge()  # beat's next tick, not a redelivery, finishes the job
    with _worker_process():
        app.send_task("ranking.tasks.pro_stats_rollup_all")
        assert _wait_for(lambda: standings(big) == sizes[big.pk], timeout=60)
    app.control.purge()  # the notices' e-mail tasks: not what this test is about
    for market in (small, big):  # and one more run: a rerun never notifies or demotes again
        pro_stats_rollup(marketplace=market)

    assert Pro.objects.filter(demoted=True).count() == demoted_pros
    notices = Notification.objects.filter(kind=NOTIFY_DEMOTED)
    assert notices.count() == demoted_pros
    assert notices.values("pro").distinct().count() == demoted_pros
    assert ProDailySnapshot.objects.count() == ProStanding.objects.count() == sum(sizes.values())


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
    from tests.billing.payments.conftest import event, post_webhook

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
