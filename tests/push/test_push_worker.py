"""A real Celery worker against Redis pushes a new lead with its e-mail and webhook."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from leads.models import Notification
from marketplace.celery import app
from tests.leads.test_notifications import Receiver
from tests.push.servers import Browser

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _maple_rules(marketplace):
    policy = marketplace.policy
    policy.matched_leads_enabled, policy.fee_matched = True, 2500
    policy.save()


def test_a_real_worker_pushes_a_new_lead_at_the_moment_of_its_email_and_webhook(
    local_webhooks, api_client, marketplace, homeowner, make_pro, request_body, webpush_service
):
    with Receiver() as hook:
        user = make_pro(webhook_url=hook.url)
        browser = Browser(f"{webpush_service.base}/push/{user.pk}")
        registered = api_client(marketplace, user).post(
            "/api/v1/me/devices/", {"platform": "web", "token": browser.subscription}
        )
        assert registered.status_code == 201
        app.control.purge()
        with start_worker(app, perform_ping_check=False, pool="solo"):
            created = api_client(marketplace, homeowner).post("/api/v1/quote-requests/", request_body())
            assert created.status_code == 201
            deadline = time.monotonic() + 20
            while (
                time.monotonic() < deadline
                and not Notification.objects.filter(
                    email_status="sent", webhook_status="sent", push_status="sent"
                ).exists()
            ):
                time.sleep(0.1)
    notification = Notification.objects.get(pro=user.pro)
    assert (notification.email_status, notification.push_status, notification.webhook_status) == ("sent",) * 3
    (push,) = webpush_service.received
    assert browser.decrypt(push["body"])["title"] == notification.subject
    assert mail.outbox and mail.outbox[0].to == [user.email]
    assert abs(push["at"] - hook.received_at[0]) < 5
