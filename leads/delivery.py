"""Who of a pro's members gets a notification on which channel, now or after quiet hours.

Each active member decides for itself: its channel choice for the notification's event
(``/me/notification-preferences/``), and its quiet hours — a member in quiet hours has the
push and e-mail *held* (a ``HeldNotification`` row), unless it opted in to every lead at once;
``leads.tasks.notifications_summaries_send`` sums the held ones up when the quiet time ends.
The in-app feed and the pro's webhook are the business's and are never held.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.translation import ngettext

from leads.models import Notification
from marketplace.i18n import supported
from marketplace.models import Role, User
from push import selectors as push_selectors
from push import services as push_services
from push.models import NotificationSettings


@dataclass
class Audience:
    now: list[User] = field(default_factory=list)
    held: list[User] = field(default_factory=list)


def members_of(pro_id: int) -> list[User]:
    return list(User.objects.filter(pro_id=pro_id, role=Role.PRO, is_active=True).order_by("pk"))


def audience_for(notification: Notification, *, channel: str, at: dt.datetime | None = None) -> Audience:
    """Members who get ``channel`` now, and those for whom it is held (and recorded as held)."""
    at = at or timezone.now()
    tz = ZoneInfo(notification.marketplace.time_zone)
    members = members_of(notification.pro_id)
    chosen = {s.user_id: s for s in NotificationSettings.objects.filter(user__in=members).select_related("user__pro")}
    audience = Audience()
    for user in members:
        preferences = chosen.get(user.pk)
        if not push_selectors.channel_on(preferences, event=notification.kind, channel=channel):
            continue
        at_once = preferences is not None and preferences.every_lead_at_once
        if not at_once and push_selectors.quiet_now(preferences, tz=tz, at=at):
            push_services.notification_hold(user=user, notification_id=notification.pk, channel=channel)
            audience.held.append(user)
        else:
            audience.now.append(user)
    return audience


def summaries_send(*, at: dt.datetime | None = None, batch_size: int = 500) -> int:
    """For each user whose quiet time is over and who has held notifications: one summary
    push to its devices and one summary e-mail (each for the channels that were held), then
    the held rows are gone. Rows are locked with SKIP LOCKED, so two runs never send twice."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.db import transaction

    from push.models import Device, HeldNotification
    from push.senders import PushMessage, push_send

    at = at or timezone.now()
    user_ids = list(
        HeldNotification.objects.values_list("user_id", flat=True).distinct().order_by("user_id")[:batch_size]
    )
    sent = 0
    for user in User.objects.filter(pk__in=user_ids).select_related("marketplace", "pro"):
        if user.marketplace is None:
            continue
        preferences = NotificationSettings.objects.filter(user=user).select_related("user__pro").first()
        if push_selectors.quiet_now(preferences, tz=ZoneInfo(user.marketplace.time_zone), at=at):
            continue
        with transaction.atomic():
            held = list(
                HeldNotification.objects.select_for_update(skip_locked=True)
                .filter(user=user)
                .select_related("notification")
                .order_by("notification_id")
            )
            if not held:
                continue
            HeldNotification.objects.filter(pk__in=[h.pk for h in held]).delete()
        notifications = {h.notification_id: h.notification for h in held}
        language = supported(user.language) or supported(user.marketplace.default_language) or "en"
        with translation.override(language):
            subject = summary_subject(len(notifications))
        lines = [f"- {n.subject}" for n in notifications.values()]
        channels = {h.channel for h in held}
        if "push" in channels and push_selectors.channel_on(preferences, event="lead.summary", channel="push"):
            devices = list(Device.objects.filter(user=user))
            if devices:
                results = push_send(
                    devices=devices,
                    message=PushMessage(title=subject, body=lines[0][2:][:240], data={"kind": "lead.summary"}),
                )
                push_services.devices_prune(device_ids=[r.device_id for r in results if r.outcome == "invalid"])
        if "email" in channels and push_selectors.channel_on(preferences, event="lead.summary", channel="email"):
            send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent


def summary_subject(count: int) -> str:
    return ngettext(
        "%(count)d notification while you were away", "%(count)d notifications while you were away", count
    ) % {"count": count}
