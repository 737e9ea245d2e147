"""Input and output shapes of the connection endpoints."""

from rest_framework import serializers

from connections.models import CAMPAIGN_MAX_LENGTH, SOURCE_MAX_LENGTH
from connections.selectors import LOOP_SOURCES, Bucket, DateRange, max_range_days
from marketplace.api.date_ranges import LocalDayRangeQuery

DEFAULT_RANGE_DAYS = 30


class AttributionQuerySerializer(serializers.Serializer):
    """Optional attribution on a tracked link: ``source`` (or ``utm_source``), medium, campaign."""

    source = serializers.CharField(required=False, allow_blank=True, max_length=SOURCE_MAX_LENGTH)  # type: ignore[assignment]  # a field named source
    utm_source = serializers.CharField(required=False, allow_blank=True, max_length=SOURCE_MAX_LENGTH)
    utm_medium = serializers.CharField(required=False, allow_blank=True, max_length=SOURCE_MAX_LENGTH)
    utm_campaign = serializers.CharField(required=False, allow_blank=True, max_length=CAMPAIGN_MAX_LENGTH)

    def attribution(self) -> dict[str, str]:
        data = self.validated_data
        return {
            "source": data.get("source") or data.get("utm_source") or "",
            "medium": data.get("utm_medium", ""),
            "campaign": data.get("utm_campaign", ""),
        }


class PhoneSerializer(serializers.Serializer):
    phone = serializers.CharField()


class DashboardQuerySerializer(LocalDayRangeQuery):
    """The last 30 days by default; the longest range is the marketplace's connection setting."""

    default_days = DEFAULT_RANGE_DAYS

    bucket = serializers.ChoiceField(choices=Bucket.CHOICES, default=Bucket.DAY)

    def max_days(self, marketplace) -> int:
        return max_range_days(marketplace=marketplace)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs["period"] = DateRange(attrs["start"], attrs["end"])
        return attrs


class KindCountsSerializer(serializers.Serializer):
    profile_lead = serializers.IntegerField()
    matched_lead = serializers.IntegerField()
    promotion_lead = serializers.IntegerField()
    phone_click = serializers.IntegerField()
    website_click = serializers.IntegerField()
    exposure = serializers.IntegerField()


class KindTotalsSerializer(KindCountsSerializer):
    all = serializers.IntegerField()


class SeriesPointSerializer(serializers.Serializer):
    bucket = serializers.DateField(help_text="First local day of the bucket (weeks start on Monday).")
    counts = KindCountsSerializer()
    total = serializers.IntegerField()


class ChangeSerializer(serializers.Serializer):
    current = serializers.IntegerField()
    previous = serializers.IntegerField()
    absolute = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True, help_text="null when the previous period had none.")


class SourceBreakdownSerializer(serializers.Serializer):
    source = serializers.CharField(help_text='Attribution source; "" when none was given.')  # type: ignore[assignment]  # a field named source
    counts = KindCountsSerializer()
    total = serializers.IntegerField()


class MoneySerializer(serializers.Serializer):
    amount = serializers.IntegerField()
    currency = serializers.CharField()


class ClosedLoopSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=LOOP_SOURCES)  # type: ignore[assignment]  # a field named source
    leads = serializers.IntegerField(help_text="Leads offered (or clicks, for phone and website).")
    accepted = serializers.IntegerField(allow_null=True)
    hires = serializers.IntegerField(allow_null=True)
    spend = MoneySerializer()
    cost_per_hire = MoneySerializer(allow_null=True)
    win_rate = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True, coerce_to_string=True)


class DashboardSerializer(serializers.Serializer):
    pro = serializers.IntegerField(allow_null=True)
    time_zone = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    bucket = serializers.ChoiceField(choices=Bucket.CHOICES)
    previous_start = serializers.DateField()
    previous_end = serializers.DateField()
    series = SeriesPointSerializer(many=True)
    totals = KindTotalsSerializer()
    change = serializers.DictField(child=ChangeSerializer(), help_text="Per kind and 'all'.")
    sources = SourceBreakdownSerializer(many=True)
    closed_loop = ClosedLoopSerializer(many=True)
    as_of = serializers.DateTimeField(
        help_text="How fresh the figures are: served by a read replica, the time it had replayed up to; else now."
    )
