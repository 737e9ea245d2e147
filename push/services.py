"""Writes of the push app: devices, notification settings, held notifications."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.errors import Invalid
from marketplace.models import User
from push.models import Device, HeldNotification, NotificationSettings, QuietHoursMode


def _marketplace_id(user: User) -> int:
    if user.marketplace_id is None:  # platform superusers have no marketplace, hence no devices
        raise Invalid(fields={"user": [_("Platform accounts have no marketplace.")]})
    return user.marketplace_id


@transaction.atomic
def device_register(*, user: User, platform: str, token: str, subscription: dict | None = None) -> tuple[Device, bool]:
    """Register (or refresh) a device. A token already known in the marketplace moves to this
    user: the phone or browser changed hands, and the old owner must stop receiving its pushes."""
    device = Device.objects.select_for_update().filter(marketplace_id=_marketplace_id(user), token=token).first()
    subscription = subscription or {}
    if device is None:
        device = Device.objects.create(
            marketplace_id=_marketplace_id(user), user=user, platform=platform, token=token, subscription=subscription
        )
        return device, True
    device.user, device.platform, device.subscription, device.last_error = user, platform, subscription, ""
    device.save(update_fields=["user", "platform", "subscription", "last_error"])
    return device, False


def device_delete(*, device: Device) -> None:
    device.delete()


def devices_prune(*, device_ids: list[int]) -> int:
    """Forget devices whose token the provider reported as invalid."""
    deleted, _ = Device.objects.filter(pk__in=device_ids).delete()
    return deleted


def devices_mark(*, sent: list[int], errors: dict[int, str]) -> None:
    if sent:
        Device.objects.filter(pk__in=sent).update(last_success_at=timezone.now(), last_error="")
    for device_id, error in errors.items():
        Device.objects.filter(pk=device_id).update(last_error=error[:500])


def settings_for(user: User) -> NotificationSettings:
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(marketplace_id=_marketplace_id(user), user=user)


@transaction.atomic
def settings_update(
    *,
    user: User,
    channels: dict[str, dict[str, bool]] | None = None,
    quiet_hours: str | None = None,
    quiet_start: dt.time | None = None,
    quiet_end: dt.time | None = None,
    every_lead_at_once: bool | None = None,
) -> NotificationSettings:
    """Merge ``channels`` into the saved choices and replace the quiet-hours fields given."""
    current, _ = NotificationSettings.objects.select_for_update().get_or_create(
        user=user, defaults={"marketplace_id": _marketplace_id(user)}
    )
    if channels:
        merged = {event: dict(choice) for event, choice in current.channels.items()}
        for event, choice in channels.items():
            merged.setdefault(event, {}).update(choice)
        current.channels = merged
    if quiet_hours is not None:
        current.quiet_hours = quiet_hours
        if quiet_hours != QuietHoursMode.CUSTOM:
            current.quiet_start = current.quiet_end = None
    if quiet_start is not None:
        current.quiet_start = quiet_start
    if quiet_end is not None:
        current.quiet_end = quiet_end
    if every_lead_at_once is not None:
        current.every_lead_at_once = every_lead_at_once
    current.save()
    return current


def notification_hold(*, user: User, notification_id: int, channel: str) -> None:
    """Hold one channel of a notification for ``user`` until its quiet hours end (idempotent)."""
    HeldNotification.objects.get_or_create(
        user=user, notification_id=notification_id, channel=channel, defaults={"marketplace_id": _marketplace_id(user)}
    )
