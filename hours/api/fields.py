"""A wall-clock time of day ("09:00"), in the marketplace's time zone: no date, no offset."""

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

_WALL_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", "example": "09:00"})
class WallClockField(serializers.Field):
    default_error_messages = {"invalid": _("Use a time of day as HH:MM (24-hour clock, no offset).")}

    def to_internal_value(self, data):
        match = _WALL_CLOCK.match(data) if isinstance(data, str) else None
        if match is None:
            self.fail("invalid")
        hour, minute, second = match.groups()
        return dt.time(int(hour), int(minute), int(second or 0))

    def to_representation(self, value: dt.time) -> str:
        return value.strftime("%H:%M:%S") if value.second else value.strftime("%H:%M")
