import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.db import transaction

from leads.models import Notification
from leads.notifications import SIGNATURE_HEADER, TIMESTAMP_HEADER, pro_notify
from leads.tasks import notification_email_send, notification_webhook_send

pytestmark = pytest.mark.django_db


class Receiver:
    """A real HTTP server on a local port that records what it receives.

    ``url`` names it ``localhost``, the host the tests allow-list (``local_webhooks``);
    ``ip_url`` names it by its address, 127.0.0.1, which no allow-list names: the outbound
    guard must refuse it. ``location`` makes it answer with a redirect there."""

    def __init__(self, status=200, location=None):
        received = self.received = []
        received_at = self.received_at = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                received_at.append(time.time())
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_port}/hook"
        self.ip_url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_a_new_lead_reaches_the_pros_feed_email_and_signed_webhook_after_commit(
    api_client, marketplace, homeowner, make_pro, request_body, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from marketplace.celery import app

    app.conf.task_always_eager = True
    try:
        with Receiver() as receiver:
            user = make_pro(webhook_url="")
            user.pro.webhook_url = receiver.url
            user.pro.save()
            with django_capture_on_commit_callbacks(execute=True):
                created = api_client(marketplace, homeowner).post(
                    "/api/v1/quote-requests/", request_body(), format="json"
                )
            assert created.status_code == 201
    finally:
        app.conf.task_always_eager = False

    feed = api_client(marketplace, user).get("/api/v1/pro/notifications/").json()["results"]
    assert len(feed) == 1 and feed[0]["kind"] == "lead.matched"
    assert [m.to for m in mail.outbox] == [[user.email]]
    ((headers, body),) = receiver.received
    timestamp = headers[TIMESTAMP_HEADER]
    expected = hmac.new(b"s3cret-for-tests", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"t={timestamp},v1={expected}"
    assert json.loads(body)["payload"]["lead_id"] == feed[0]["lead"]
    notification = Notification.objects.get()
    assert (notification.email_status, notification.webhook_status) == ("sent", "sent")


def test_nothing_is_queued_for_a_rolled_back_lead(make_pro, django_capture_on_commit_callbacks):
    user = make_pro(webhook_url="http://127.0.0.1:9/hook")
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                pro_notify(pro=user.pro, kind="lead.new", subject="New lead", body="", payload={})
                raise RuntimeError("the lead's transaction fails")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.exists()


def test_a_dead_webhook_url_is_recorded_and_retried_without_blocking(make_pro):
    user = make_pro(webhook_url="http://localhost:9/hook")  # nothing listens on the discard port
    pro_notify(pro=user.pro, kind="lead.new", subject="New lead", body="", payload={})
    notification = Notification.objects.get()
    result = notification_webhook_send.apply(args=[notification.pk])  # runs the task with its retry policy
    assert result.state == "RETRY" or result.failed()
    notification.refresh_from_db()
    assert notification.webhook_attempts >= 1 and notification.webhook_last_error
    assert notification.webhook_status in ("pending", "failed")


def test_a_non_2xx_answer_counts_as_a_failed_delivery(make_pro):
    with Receiver(status=500) as receiver:
        user = make_pro(webhook_url=receiver.url)
        pro_notify(pro=user.pro, kind="lead.new", subject="New lead", body="", payload={})
        notification = Notification.objects.get()
        notification_webhook_send.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.webhook_last_error == "HTTP 500"
    assert notification.webhook_status != "sent"


def test_email_task_is_idempotent(make_pro):
    user = make_pro()
    pro_notify(pro=user.pro, kind="lead.new", subject="New lead", body="Hello", payload={})
    notification = Notification.objects.get()
    notification_email_send(notification.pk)
    notification_email_send(notification.pk)
    assert len(mail.outbox) == 1


def test_feed_shows_only_my_notifications_newest_first(
    api_client, marketplace, make_pro, django_assert_max_num_queries
):
    mine, theirs = make_pro(), make_pro()
    for n in range(3):
        pro_notify(pro=mine.pro, kind="lead.new", subject=f"Lead {n}", body="", payload={})
    pro_notify(pro=theirs.pro, kind="lead.new", subject="Not yours", body="", payload={})
    with django_assert_max_num_queries(6):
        feed = api_client(marketplace, mine).get("/api/v1/pro/notifications/").json()["results"]
    assert [row["subject"] for row in feed] == ["Lead 2", "Lead 1", "Lead 0"]


def test_a_broker_outage_after_commit_never_fails_lead_creation(
    api_client, marketplace, homeowner, make_pro, request_body, django_capture_on_commit_callbacks, monkeypatch
):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Redis is down")

    monkeypatch.setattr(notification_email_send, "delay", broker_down)
    make_pro()
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client(marketplace, homeowner).post("/api/v1/quote-requests/", request_body(), format="json")
    assert created.status_code == 201
    assert Notification.objects.get().email_status == "pending"  # the lead stands; the resend sweep retries


def test_the_resend_sweep_requeues_deliveries_whose_enqueue_was_lost(make_pro, settings):
    import datetime as dt

    from django.utils import timezone

    from leads.tasks import notifications_resend_stale
    from marketplace.celery import app

    user = make_pro()
    pro_notify(pro=user.pro, kind="lead.new", subject="Lost", body="", payload={})
    lost_id = Notification.objects.get().pk
    pro_notify(pro=user.pro, kind="lead.new", subject="Fresh", body="", payload={})
    Notification.objects.filter(pk=lost_id).update(created_at=timezone.now() - dt.timedelta(minutes=10))
    app.conf.task_always_eager = True
    try:
        assert notifications_resend_stale() == 2  # its e-mail and its push
    finally:
        app.conf.task_always_eager = False
    assert Notification.objects.get(pk=lost_id).email_status == "sent"
    assert Notification.objects.get(pk=lost_id).push_status == "skipped"  # the pro has no device
    assert [m.subject for m in mail.outbox] == ["Lost"]
