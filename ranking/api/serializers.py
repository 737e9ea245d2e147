"""Output shapes of the pro's own stats (read-only: nothing here is writable)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leads.api.serializers import CategoryRef
from leads.models import LeadKind, LeadStatus


class ResponseRateSerializer(serializers.Serializer):
    rate = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True)
    responded = serializers.IntegerField()
    due = serializers.IntegerField()
    missed = serializers.IntegerField()
    pending_in_time = serializers.IntegerField()
    not_counted = serializers.IntegerField()
    median_response_seconds = serializers.IntegerField(allow_null=True)
    threshold = serializers.DecimalField(max_digits=4, decimal_places=3)
    window_days = serializers.IntegerField()
    min_sample = serializers.IntegerField()


class DemotionSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    demoted = serializers.BooleanField()
    since = serializers.DateTimeField(allow_null=True)
    factor = serializers.DecimalField(max_digits=4, decimal_places=3)
    at_risk = serializers.BooleanField(help_text="One more missed lead would demote this pro.")
    responses_to_lift = serializers.IntegerField(
        allow_null=True, help_text="Answered leads needed to reach the threshold; null when answering cannot."
    )
    reason = serializers.CharField()


@extend_schema_field(
    {
        "type": ["integer", "string"],
        "description": "The factor's input as stored: star_score, review_volume (reviews), completeness (0-100) "
        "and response_time (median seconds) are integers; response_rate a decimal string; membership the tier; "
        "activity the last activity's time (ISO 8601). null when not known yet.",
    }
)
class FactorRawField(serializers.JSONField):
    pass


RANK_FACTORS = [
    "star_score",
    "review_volume",
    "completeness",
    "response_rate",
    "response_time",
    "membership",
    "activity",
]


class FactorSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=RANK_FACTORS)
    raw = FactorRawField(allow_null=True)
    value = serializers.FloatField(help_text="Normalised 0..1.")
    weight = serializers.IntegerField()
    contribution = serializers.FloatField(help_text="Points out of 100 before the demotion multiplier.")


class PositionCategory(CategoryRef):
    name = serializers.CharField(source="display_name", help_text="In the request's language.")


class PositionSerializer(serializers.Serializer):
    category = PositionCategory(allow_null=True)
    area = serializers.CharField(allow_null=True)
    position = serializers.IntegerField(allow_null=True)
    of = serializers.IntegerField(allow_null=True)


class RankSerializer(serializers.Serializer):
    score = serializers.FloatField()
    computed_at = serializers.DateTimeField(allow_null=True)
    factors = FactorSerializer(many=True)
    score_before_demotion = serializers.FloatField()
    demotion_multiplier = serializers.FloatField()
    position = PositionSerializer()


class SnapshotSerializer(serializers.Serializer):
    day = serializers.DateField()
    response_rate = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True)
    responded = serializers.IntegerField(source="responded_count")
    due = serializers.IntegerField(source="due_count")
    median_response_seconds = serializers.IntegerField(allow_null=True)
    demoted = serializers.BooleanField()
    at_risk = serializers.BooleanField()
    rank_score = serializers.FloatField()


class StatsLeadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=LeadKind.choices)
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    received_at = serializers.DateTimeField(source="created_at")
    answered_at = serializers.DateTimeField(source="responded_at", allow_null=True)
    deadline = serializers.DateTimeField(allow_null=True)
    counts_as = serializers.ChoiceField(choices=["responded", "missed", "pending_in_time", "not_counted"])
    working_seconds_left = serializers.IntegerField(
        allow_null=True, required=False, help_text="Pending leads on the business-hours clock: working time left."
    )


class ClockSerializer(serializers.Serializer):
    basis = serializers.ChoiceField(choices=["calendar", "working_hours"])
    explanation = serializers.CharField()
    time_zone = serializers.CharField()
    weekly_hours = serializers.FloatField(allow_null=True)
    cap_hours = serializers.IntegerField(allow_null=True)
    on_vacation_today = serializers.BooleanField()


class StatsLeadsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    truncated = serializers.BooleanField()
    results = StatsLeadSerializer(many=True)


class ProStatsSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(
        help_text="How fresh the figures are: served by a read replica, the time it had replayed up to; else now."
    )
    response_rate = ResponseRateSerializer()
    demotion = DemotionSerializer()
    rank = RankSerializer()
    history = SnapshotSerializer(many=True)
    leads = StatsLeadsSerializer()
    clock = ClockSerializer(help_text="How deadlines are counted for this pro (Rule 15), and why.")
    connections_url = serializers.CharField(help_text="Connections over time, by type.")
