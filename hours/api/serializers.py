from rest_framework import serializers

from hours.api.fields import WallClockField
from hours.models import Vacation, Weekday, WorkingHours


class IntervalSerializer(serializers.ModelSerializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text="0 = Monday … 6 = Sunday")
    start = WallClockField()
    end = WallClockField()

    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end"]


class WorkingHoursInput(serializers.Serializer):
    hours = IntervalSerializer(many=True, allow_empty=True)


class WorkingHoursOutput(serializers.Serializer):
    time_zone = serializers.CharField()
    weekly_hours = serializers.FloatField(help_text="Working hours per week (wall clock).")
    hours = IntervalSerializer(many=True)


class VacationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vacation
        fields = ["id", "start_date", "end_date", "note"]
        read_only_fields = ["id"]
