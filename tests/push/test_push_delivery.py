"""A new lead's push reaches the pro's devices through the real SDKs and local provider servers."""

import json

import pytest
from django.core import mail

from leads.models import Notification
from leads.notifications import pro_notify
from leads.tasks import notification_push_send
from marketplace.celery import app
from push.models import Device
from tests.factories import DeviceFactory, UserFactory
from tests.leads.test_notifications import Receiver
from tests.push.servers import Browser

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _maple_rules(marketplace):
    policy = marketplace.policy
    policy.matched_leads_enabled, policy.fee_matched = True, 2500
    policy.save()


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _register(api_client, marketplace, user, platform, token):
    response = api_client(marketplace, user).post("/api/v1/me/devices/", {"platform": platform, "token": token})
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_a_new_lead_reaches_a_web_push_subscription_with_its_email_and_webhook(
    local_webhooks,
    api_client,
    marketplace,
    homeowner,
    make_pro,
    request_body,
    webpush_service,
    fcm,
    eager,
    django_capture_on_commit_callbacks,
):
    with Receiver() as hook:
        user = make_pro(webhook_url=hook.url)
        browser = Browser(f"{webpush_service.base}/push/{user.pk}")
        _register(api_client, marketplace, user, "web", browser.subscription)
        _register(api_client, marketplace, user, "android", "android-" + "t" * 60)
        with django_capture_on_commit_callbacks(execute=True):
            created = api_client(marketplace, homeowner).post("/api/v1/quote-requests/", request_body())
        assert created.status_code == 201

    notification = Notification.objects.get(pro=user.pro)
    assert (notification.email_status, notification.push_status, notification.webhook_status) == ("sent",) * 3
    assert [m.to for m in mail.outbox] == [[user.email]]
    ((push,),) = [webpush_service.received]
    assert push["path"] == f"/push/{user.pk}"
    assert push["headers"]["content-encoding"] == "aes128gcm"
    assert push["headers"]["authorization"].startswith("vapid t=")
    assert webpush_service.vapid_public in push["headers"]["authorization"]
    shown = browser.decrypt(push["body"])  # encrypted for the browser's keys, as RFC 8291 says
    assert shown["title"] == notification.subject
    assert shown["data"] == {
        "notification_id": str(notification.pk),
        "kind": "lead.matched",
        "lead_id": str(notification.lead_id),
    }
    (fcm_message,) = fcm.messages
    sent = json.loads(fcm_message["body"])["message"]
    assert sent["token"] == "android-" + "t" * 60
    assert sent["notification"]["title"] == notification.subject
    assert sent["android"]["priority"] == "high"
    # The same on-commit flush queued every channel: the push and the webhook left together.
    assert abs(push["at"] - hook.received_at[0]) < 5


def test_every_pro_offered_the_same_job_is_pushed_in_the_same_flush(
    api_client,
    marketplace,
    homeowner,
    make_pro,
    request_body,
    webpush_service,
    eager,
    django_capture_on_commit_callbacks,
):
    users = [make_pro(rank=rank) for rank in (90.0, 50.0, 10.0)]
    browsers = {}
    for user in users:
        browsers[user.pk] = Browser(f"{webpush_service.base}/push/{user.pk}")
        _register(api_client, marketplace, user, "web", browsers[user.pk].subscription)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api_client(marketplace, homeowner).post("/api/v1/quote-requests/", request_body())
    assert not webpush_service.received  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert sorted(r["path"] for r in webpush_service.received) == sorted(f"/push/{u.pk}" for u in users)


def test_invalid_tokens_are_pruned_and_transient_errors_retried_for_those_devices_only(
    marketplace,
    make_pro,
    fcm,
    webpush_service,
    django_capture_on_commit_callbacks,
    eager,
):
    user = make_pro()
    keep = DeviceFactory(marketplace=marketplace, user=user, token="good-" + "k" * 40)
    gone = DeviceFactory(marketplace=marketplace, user=user, token="gone-" + "g" * 40)
    busy = DeviceFactory(marketplace=marketplace, user=user, token="busy-" + "b" * 40)
    expired_browser = Browser(f"{webpush_service.base}/gone/1")
    expired = DeviceFactory(
        marketplace=marketplace,
        user=user,
        platform="web",
        token=expired_browser.subscription["endpoint"],
        subscription=expired_browser.subscription,
    )
    with django_capture_on_commit_callbacks(execute=True):
        pro_notify(pro=user.pro, kind="lead.new", subject="New lead", body="Fix the sink", payload={})

    notification = Notification.objects.get()
    assert notification.push_status == "sent"
    assert notification.push_attempts == 2  # the first try, then one retry for the busy device
    assert set(Device.objects.values_list("pk", flat=True)) == {keep.pk, busy.pk}  # gone + expired pruned
    tokens = [json.loads(m["body"])["message"]["token"] for m in fcm.messages]
    assert sorted(tokens) == sorted([keep.token, gone.token, busy.token, busy.token])  # only busy twice
    assert expired.pk not in Device.objects.values_list("pk", flat=True)


def test_a_refused_credential_is_recorded_and_not_retried(marketplace, make_pro, fcm):
    user = make_pro()
    DeviceFactory(marketplace=marketplace, user=user, token="denied-" + "d" * 40)
    notification = Notification.objects.create(
        marketplace=marketplace, pro=user.pro, kind="lead.new", subject="New lead", body="x"
    )
    notification_push_send.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.push_status == "failed" and notification.push_attempts == 1
    assert "PERMISSION_DENIED" in notification.push_last_error or "permission" in notification.push_last_error.lower()
    assert len(fcm.messages) == 1
    assert Device.objects.count() == 1  # a refusal is not the token's fault: kept


def test_a_user_who_turned_push_off_for_an_event_gets_no_push(
    api_client,
    marketplace,
    make_pro,
    fcm,
    django_capture_on_commit_callbacks,
    eager,
):
    user = make_pro()
    DeviceFactory(marketplace=marketplace, user=user)
    api_client(marketplace, user).patch(
        "/api/v1/me/notification-preferences/", {"channels": {"lead.new": {"push": False, "email": False}}}
    )
    with django_capture_on_commit_callbacks(execute=True):
        pro_notify(pro=user.pro, kind="lead.new", subject="New lead", body="x", payload={})
    notification = Notification.objects.get()
    assert (notification.push_status, notification.email_status) == ("skipped", "skipped")
    assert fcm.messages == [] and mail.outbox == []
    feed = api_client(marketplace, user).get("/api/v1/pro/notifications/").json()["results"]
    assert len(feed) == 1  # the feed always gets it


def test_each_member_reads_the_lead_e_mail_push_and_feed_in_its_own_language(
    api_client,
    marketplace,
    homeowner,
    make_pro,
    request_body,
    webpush_service,
    fcm,
    eager,
    django_capture_on_commit_callbacks,
):
    """A pro's two members: the first reads English (maple's default), the second saved
    Canadian French. One lead: each gets its e-mail and push in its own language, and the
    feed answers each in its own."""
    owner = make_pro()
    partner = UserFactory(marketplace=marketplace, role="pro", pro=owner.pro, language="fr-ca")
    owner_browser = Browser(f"{webpush_service.base}/push/{owner.pk}")
    partner_browser = Browser(f"{webpush_service.base}/push/{partner.pk}")
    _register(api_client, marketplace, owner, "web", owner_browser.subscription)
    _register(api_client, marketplace, partner, "web", partner_browser.subscription)
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client(marketplace, homeowner).post("/api/v1/quote-requests/", request_body())
    assert created.status_code == 201

    notification = Notification.objects.get(pro=owner.pro)
    # The pro's own language (its webhook's): the first member that saved one, here the partner's.
    assert notification.subject.startswith("Demande jumelée")
    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert by_recipient[(owner.email,)].subject.startswith("Matched lead:")
    assert by_recipient[(partner.email,)].subject.startswith("Demande jumelée")
    assert "Frais de contact" in by_recipient[(partner.email,)].body
    browsers = {f"/push/{owner.pk}": owner_browser, f"/push/{partner.pk}": partner_browser}
    shown = {push["path"]: browsers[push["path"]].decrypt(push["body"]) for push in webpush_service.received}
    assert shown[f"/push/{owner.pk}"]["title"].startswith("Matched lead:")
    assert shown[f"/push/{partner.pk}"]["title"].startswith("Demande jumelée")

    feed = api_client(marketplace, partner).get("/api/v1/pro/notifications/").json()
    assert feed["results"][0]["subject"].startswith("Demande jumelée")
    feed = api_client(marketplace, owner).get("/api/v1/pro/notifications/").json()
    assert feed["results"][0]["subject"].startswith("Matched lead:")
