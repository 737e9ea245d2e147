"""A range of local days as a query: dashboards and CSV exports read the same two parameters."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from marketplace.api.fields import CalendarDateField
from marketplace.localtime import local_day_bounds, local_today


class LocalDayRangeQuery(serializers.Serializer):
    """``start``/``end``: local days in the marketplace's time zone, both included.

    Validated data gains the resolved ``start``/``end`` and the instants ``since``/``until``
    ([start of start, start of the day after end)). Subclasses set the default span and the
    longest span allowed.
    """

    default_days = 30

    start = CalendarDateField(required=False, help_text="Default: a span before end (see the endpoint).")
    end = CalendarDateField(required=False, help_text="Default: today in the marketplace's time zone.")

    def max_days(self, marketplace) -> int:
        return 366

    def validate(self, attrs):
        marketplace = self.context["marketplace"]
        end = attrs.get("end") or local_today(marketplace=marketplace)
        start = attrs.get("start") or end - dt.timedelta(days=self.default_days - 1)
        if start > end:
            raise serializers.ValidationError({"end": [_("end must not be before start.")]})
        limit = self.max_days(marketplace)
        if (end - start).days + 1 > limit:
            raise serializers.ValidationError({"start": [f"The range may span at most {limit} days."]})
        attrs["start"], attrs["end"] = start, end
        attrs["since"], attrs["until"] = local_day_bounds(marketplace=marketplace, start_day=start, end_day=end)
        return attrs
