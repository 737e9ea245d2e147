"""Devices that receive push notifications, and each user's choice of channels per event."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import TenantModel


class Platform(models.TextChoices):
    ANDROID = "android", _("Android (FCM)")
    IOS = "ios", _("iOS (FCM)")
    WEB = "web", _("Web Push (VAPID)")


class Device(TenantModel):
    """One app install or browser of one user. ``token`` is the FCM registration token
    (android, ios) or the Web Push endpoint URL (web, whose keys are in ``subscription``):
    unique per marketplace, so a phone that changes hands moves to its new user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="devices"
    )
    platform = models.CharField(verbose_name=_("platform"), max_length=10, choices=Platform.choices)
    token = models.CharField(verbose_name=_("token"), max_length=4096)
    subscription = models.JSONField(verbose_name=_("subscription"), default=dict, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    last_success_at = models.DateTimeField(verbose_name=_("last success at"), null=True, blank=True)
    last_error = models.CharField(verbose_name=_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(fields=["marketplace", "token"], name="device_token_unique"),
            models.CheckConstraint(
                name="device_web_has_subscription",
                condition=~Q(platform="web") | ~Q(subscription={}),
            ),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="device_user_idx")]

    def __str__(self) -> str:
        return f"{self.platform} device of {self.user_id}"


class QuietHoursMode(models.TextChoices):
    OFF = "off", _("Off")
    CUSTOM = "custom", _("Between quiet_start and quiet_end")
    OUTSIDE_WORKING_HOURS = "outside_working_hours", _("Outside the pro's working hours")


class NotificationSettings(TenantModel):
    """A user's channels per event (``channels = {"lead.new": {"push": true, "email": false}}``;
    an event or channel not named is on) and quiet hours for push and e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notification_settings"
    )
    channels = models.JSONField(verbose_name=_("channels"), default=dict, blank=True)
    quiet_hours = models.CharField(
        verbose_name=_("quiet hours"), max_length=24, choices=QuietHoursMode.choices, default=QuietHoursMode.OFF
    )
    quiet_start = models.TimeField(verbose_name=_("quiet start"), null=True, blank=True)
    quiet_end = models.TimeField(verbose_name=_("quiet end"), null=True, blank=True)
    every_lead_at_once = models.BooleanField(
        verbose_name=_("every lead at once"),
        default=False,
        help_text=_("Push and e-mail every lead at once, even in quiet hours."),
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.CheckConstraint(
                name="notification_settings_custom_has_times",
                condition=~Q(quiet_hours="custom") | (Q(quiet_start__isnull=False) & Q(quiet_end__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"


class HeldNotification(TenantModel):
    """A push or e-mail held back by the user's quiet hours, summed up when they end."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    notification = models.ForeignKey(
        "leads.Notification", verbose_name=_("notification"), on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(verbose_name=_("channel"), max_length=10)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("held notification")
        verbose_name_plural = _("held notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "notification", "channel"], name="held_notification_once"),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="held_notification_user_idx")]
