"""A real Celery worker against Redis delivers a new lead's e-mail and signed webhook."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from leads.models import Notification
from marketplace.celery import app
from tests.leads.test_notifications import Receiver

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_delivers_a_new_leads_webhook_after_commit(
    api_client, marketplace, homeowner, make_pro, request_body
):
    with Receiver() as receiver:
        user = make_pro(webhook_url=receiver.url)
        app.control.purge()
        with start_worker(app, perform_ping_check=False, pool="solo"):
            created = api_client(marketplace, homeowner).post("/api/v1/quote-requests/", request_body(), format="json")
            assert created.status_code == 201
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not (
                receiver.received and Notification.objects.filter(email_status="sent", webhook_status="sent").exists()
            ):
                time.sleep(0.1)
    assert len(receiver.received) == 1
    notification = Notification.objects.get(pro=user.pro)
    assert (notification.email_status, notification.webhook_status) == ("sent", "sent")
    assert mail.outbox and mail.outbox[0].to == [user.email]
