from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hours.api.fields import WallClockField
from push.events import EVENTS
from push.models import Device, NotificationSettings, Platform, QuietHoursMode
from push.selectors import channels_effective
from push.validation import TokenInvalid, fcm_token_clean, webpush_subscription_clean


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "maxLength": 4096, "description": "An FCM registration token (android, ios)."},
            {
                "type": "object",
                "description": "A Web Push subscription (web), as the browser's PushSubscription.toJSON().",
                "properties": {
                    "endpoint": {"type": "string", "format": "uri", "maxLength": 2000},
                    "keys": {
                        "type": "object",
                        "properties": {"p256dh": {"type": "string"}, "auth": {"type": "string"}},
                        "required": ["p256dh", "auth"],
                    },
                },
                "required": ["endpoint", "keys"],
            },
        ]
    }
)
class PushTokenField(serializers.JSONField):
    """An FCM token (a string) or a Web Push subscription (an object); validated by platform below."""


class DeviceInput(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
    token = PushTokenField(
        help_text="android/ios: the FCM registration token (string); web: the PushSubscription "
        "object {endpoint, keys: {p256dh, auth}}."
    )

    def validate(self, attrs):
        try:
            if attrs["platform"] == Platform.WEB:
                subscription = webpush_subscription_clean(attrs["token"])
                return {"platform": attrs["platform"], "token": subscription["endpoint"], "subscription": subscription}
            return {"platform": attrs["platform"], "token": fcm_token_clean(attrs["token"]), "subscription": {}}
        except TokenInvalid as exc:
            raise serializers.ValidationError({"token": [str(exc)]}) from exc


class DeviceOutput(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "platform", "token", "created_at", "last_success_at"]
        read_only_fields = fields


class ChannelChoice(serializers.Serializer):
    push = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)


class PreferencesInput(serializers.Serializer):
    channels = serializers.DictField(child=ChannelChoice(), required=False)
    quiet_hours = serializers.ChoiceField(choices=QuietHoursMode.choices, required=False)
    quiet_start = WallClockField(required=False)
    quiet_end = WallClockField(required=False)
    every_lead_at_once = serializers.BooleanField(required=False)

    def validate_channels(self, value):
        unknown = sorted(set(value) - set(EVENTS))
        if unknown:
            raise serializers.ValidationError(format_lazy(_("Unknown event(s): {events}."), events=", ".join(unknown)))
        return value

    def validate(self, attrs):
        if attrs.get("quiet_hours") == QuietHoursMode.CUSTOM:
            missing = {name: [_("Required with quiet_hours 'custom'.")] for name in ("quiet_start", "quiet_end")}
            current = self.context.get("current")
            for name in list(missing):
                if attrs.get(name) is not None or (current is not None and getattr(current, name) is not None):
                    missing.pop(name)
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class PreferencesOutput(serializers.ModelSerializer):
    channels = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    quiet_start = WallClockField(allow_null=True)
    quiet_end = WallClockField(allow_null=True)

    class Meta:
        model = NotificationSettings
        fields = ["channels", "events", "quiet_hours", "quiet_start", "quiet_end", "every_lead_at_once"]
        read_only_fields = fields

    def get_channels(self, obj) -> dict[str, dict[str, bool]]:
        return channels_effective(obj)

    def get_events(self, obj) -> dict[str, str]:
        return dict(EVENTS)
