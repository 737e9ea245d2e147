"""/metrics serves request, business and queue metrics to staff and allow-listed scrapers only;
Sentry events carry the request id and marketplace tags and no personal data."""

import json
import time

import pytest
import redis
import structlog
from django.test import Client

from marketplace.observability import PUBLISHED_AT_HEADER, celery_publish_stamp, queue_stats
from marketplace.sentry import tag_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAMED_METRICS = (
    "django_http_requests_total_by_method_total",
    "leadmarket_leads_offered_total",
    "leadmarket_lead_answers_total",
    "leadmarket_charges_total",
    "leadmarket_notifications_total",
    "leadmarket_webhook_deliveries_total",
    "leadmarket_rollup_duration_seconds",
    "leadmarket_celery_queue_length",
    "leadmarket_celery_queue_oldest_age_seconds",
)


def test_metrics_are_not_public(client, api_client, marketplace):
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 403
    assert anonymous.json()["error"]["code"] == "permission_denied"
    assert b"leadmarket_" not in anonymous.content

    pro = UserFactory(marketplace=marketplace, role="pro")
    assert api_client(marketplace, pro).get("/metrics").status_code == 403  # an API token is no pass
    client.force_login(pro)
    assert client.get("/metrics").status_code == 403  # nor a session of a non-staff user


def test_staff_read_every_named_metric(client, marketplace, staff_user, metrics_labels_touched):
    client.force_login(staff_user)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    for name in NAMED_METRICS:
        assert name in text, name


@pytest.fixture
def metrics_labels_touched():
    """Labelled metrics appear once a label set exists; touch one of each (value unchanged)."""
    from marketplace import metrics

    metrics.LEADS_OFFERED.labels(kind="new")
    metrics.LEAD_ANSWERS.labels(outcome="accepted")
    metrics.CHARGES.labels(outcome="succeeded")
    metrics.NOTIFICATIONS.labels(channel="email", outcome="delivered")
    metrics.WEBHOOK_DELIVERIES.labels(provider="stripe", outcome="stored")
    metrics.ROLLUP_DURATION.labels(rollup="ranking")


def test_a_scraper_gets_in_with_the_token_or_from_an_allowed_address_only(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-1234"
    settings.METRICS_ALLOWED_IPS = ["10.9.8.7"]
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-1234").status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-12345").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic scrape-secret-1234").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.9.8.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.9.8.8").status_code == 403
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403  # no token set: no token works


def test_each_published_task_is_stamped_with_its_publish_time():
    headers: dict = {}
    before = time.time()
    celery_publish_stamp(headers=headers)
    assert before <= headers[PUBLISHED_AT_HEADER] <= time.time()
    celery_publish_stamp(headers=headers | {PUBLISHED_AT_HEADER: 1.0})  # a re-publish keeps the first stamp


@pytest.mark.redis
def test_queue_metrics_count_waiting_messages_and_the_age_of_the_oldest(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the broker is not Redis")
    queue = f"metrics-test-{time.time_ns()}"
    settings.METRICS_CELERY_QUEUES = [queue]
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    now = time.time()
    try:
        assert queue_stats(now=now) == [(queue, 0, 0.0)]
        # Celery pushes on the left; the oldest waits at the right end.
        broker.lpush(queue, json.dumps({"headers": {PUBLISHED_AT_HEADER: now - 90}, "body": ""}))
        broker.lpush(queue, json.dumps({"headers": {PUBLISHED_AT_HEADER: now - 5}, "body": ""}))
        [(name, length, age)] = queue_stats(now=now)
        assert (name, length) == (queue, 2) and age == pytest.approx(90, abs=0.01)
    finally:
        broker.delete(queue)


def test_sentry_events_are_tagged_with_request_id_and_marketplace_only():
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id="req-123", marketplace="maple", ip="203.0.113.9", user_id=7)
    try:
        event = tag_event({"tags": {"level": "x"}}, {})
    finally:
        structlog.contextvars.clear_contextvars()
    assert event["tags"] == {"level": "x", "request_id": "req-123", "marketplace": "maple"}


def test_a_log_line_reported_to_sentry_loses_the_client_address():
    structlog.contextvars.bind_contextvars(request_id="req-1", ip="203.0.113.9")
    try:
        event = tag_event({"logentry": {"message": "{'ip': '203.0.113.9', 'code': 500}"}, "extra": ["203.0.113.9"]}, {})
    finally:
        structlog.contextvars.clear_contextvars()
    assert "203.0.113.9" not in json.dumps(event)
    assert event["logentry"]["message"] == "{'ip': '[Filtered]', 'code': 500}"


def test_sentry_reports_a_failing_request_with_its_tags_and_no_personal_data(settings, marketplace, staff_user):
    import sentry_sdk

    from marketplace.sentry import sentry_init

    sent: list[dict] = []

    class Capture(sentry_sdk.transport.Transport):
        def capture_envelope(self, envelope):
            for item in envelope.items:
                if item.type == "event":
                    sent.append(item.payload.json)

    sentry_init(dsn="https://public@sentry.invalid/1", environment="test", transport=Capture)
    try:
        settings.ROOT_URLCONF = "tests.architecture.failing_urls"
        client = Client(raise_request_exception=False)
        client.force_login(staff_user)
        response = client.post(
            "/boom/",
            {"contact_phone": "+1 416 555 0100"},
            content_type="application/json",
            HTTP_X_MARKETPLACE=marketplace.slug,
            REMOTE_ADDR="203.0.113.9",
        )
        assert response.status_code == 500
        sentry_sdk.flush()
    finally:
        sentry_sdk.init(dsn=None)
    # The exception, plus the error log lines about it (Sentry's logging integration).
    assert any("RuntimeError" in json.dumps(event.get("exception", {})) for event in sent)
    for event in sent:
        assert event["tags"]["marketplace"] == marketplace.slug and event["tags"]["request_id"]
        serialized = json.dumps(event)
        for personal in (staff_user.email, "203.0.113.9", "555 0100"):
            assert personal not in serialized
        assert not event.get("user", {}).get("email")
