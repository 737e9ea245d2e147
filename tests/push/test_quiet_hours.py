"""Quiet hours hold push and e-mail (never the feed) and end with one summary."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from leads.delivery import summaries_send
from leads.models import Notification
from leads.notifications import pro_notify
from marketplace.celery import app
from push.models import HeldNotification
from push.selectors import quiet_now
from push.services import settings_update
from tests.factories import DeviceFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture(autouse=True)
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _quiet_around_now(user, **extra):
    local = timezone.now().astimezone(TORONTO)
    start = (local - dt.timedelta(hours=1)).time().replace(microsecond=0)
    end = (local + dt.timedelta(hours=1)).time().replace(microsecond=0)
    return settings_update(user=user, quiet_hours="custom", quiet_start=start, quiet_end=end, **extra)


def _notify(user, n=1, django_capture_on_commit_callbacks=None):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(n):
            pro_notify(pro=user.pro, kind="lead.new", subject=f"New lead {i}", body="Fix the sink", payload={})


def test_quiet_hours_hold_push_and_email_but_the_feed_gets_the_lead_and_a_summary_follows(
    api_client,
    marketplace,
    make_pro,
    fcm,
    django_capture_on_commit_callbacks,
):
    user = make_pro()
    DeviceFactory(marketplace=marketplace, user=user)
    _quiet_around_now(user)
    _notify(user, 3, django_capture_on_commit_callbacks)

    assert fcm.messages == [] and mail.outbox == []
    assert set(Notification.objects.values_list("push_status", "email_status")) == {("held", "held")}
    assert len(api_client(marketplace, user).get("/api/v1/pro/notifications/").json()["results"]) == 3
    assert HeldNotification.objects.count() == 6

    assert summaries_send() == 0  # still quiet: nothing yet
    assert summaries_send(at=timezone.now() + dt.timedelta(hours=2)) == 1
    (summary,) = fcm.messages
    message = json.loads(summary["body"])["message"]
    assert message["notification"]["title"].startswith("3 ")
    assert message["data"] == {"kind": "lead.summary"}
    (email,) = mail.outbox
    assert email.subject.startswith("3 ") and "New lead 2" in email.body
    assert HeldNotification.objects.count() == 0
    assert summaries_send(at=timezone.now() + dt.timedelta(hours=2)) == 0  # once only


def test_a_pro_who_opts_in_to_every_lead_at_once_is_pushed_in_quiet_hours(
    marketplace,
    make_pro,
    fcm,
    django_capture_on_commit_callbacks,
):
    user = make_pro()
    DeviceFactory(marketplace=marketplace, user=user)
    _quiet_around_now(user, every_lead_at_once=True)
    _notify(user, 1, django_capture_on_commit_callbacks)
    assert len(fcm.messages) == 1 and len(mail.outbox) == 1
    assert HeldNotification.objects.count() == 0


def test_each_member_has_its_own_quiet_hours(marketplace, make_pro, fcm, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    sleeper = make_pro()
    colleague = UserFactory(marketplace=marketplace, role="pro", pro=sleeper.pro)
    DeviceFactory(marketplace=marketplace, user=sleeper)
    awake = DeviceFactory(marketplace=marketplace, user=colleague)
    _quiet_around_now(sleeper)
    _notify(sleeper, 1, django_capture_on_commit_callbacks)
    assert [json.loads(m["body"])["message"]["token"] for m in fcm.messages] == [awake.token]
    assert [m.to for m in mail.outbox] == [[colleague.email]]
    assert list(HeldNotification.objects.values_list("user_id", flat=True)) == [sleeper.pk, sleeper.pk]


def test_quiet_hours_wrap_past_midnight_and_outside_working_hours_follows_the_week(marketplace, make_pro):
    user = make_pro()
    night = settings_update(user=user, quiet_hours="custom", quiet_start=dt.time(21), quiet_end=dt.time(8))

    def at(day, hour):
        return dt.datetime(2026, 12, day, hour, 30, tzinfo=TORONTO)

    assert quiet_now(night, tz=TORONTO, at=at(4, 23)) and quiet_now(night, tz=TORONTO, at=at(5, 7))
    assert not quiet_now(night, tz=TORONTO, at=at(5, 8)) and not quiet_now(night, tz=TORONTO, at=at(5, 20))

    working = settings_update(user=user, quiet_hours="outside_working_hours")
    assert not quiet_now(working, tz=TORONTO, at=at(4, 3))  # no working hours set: never quiet
    for weekday in range(5):
        WorkingHoursFactory(marketplace=marketplace, pro=user.pro, weekday=weekday)
    assert quiet_now(working, tz=TORONTO, at=at(4, 18))  # Friday evening
    assert quiet_now(working, tz=TORONTO, at=at(5, 12))  # Saturday
    assert not quiet_now(working, tz=TORONTO, at=at(7, 9))  # Monday 09:30
