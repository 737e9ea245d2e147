from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import Charge, PaymentProfile
from marketplace.api.fields import Money


class ChargeOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()

    class Meta:
        model = Charge
        fields = ["id", "lead", "amount", "status", "failure_code", "created_at", "completed_at"]
        read_only_fields = fields
        extra_kwargs = {"failure_code": {"help_text": "The provider's decline code of a failed charge; else empty."}}

    @extend_schema_field(Money)
    def get_amount(self, obj) -> dict:
        return {"amount": obj.amount, "currency": obj.currency}


class PaymentMethodInput(serializers.Serializer):
    token = serializers.CharField(
        max_length=100,
        help_text="A payment-method token from the provider (local gateway: pm_card_visa, pm_card_chargeDeclined, …).",
    )
    display = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class PaymentMethodOutput(serializers.ModelSerializer):
    gateway = serializers.ChoiceField(choices=["local", "stripe"], help_text="The payment provider holding the card.")

    class Meta:
        model = PaymentProfile
        fields = ["gateway", "display", "updated_at"]
        read_only_fields = fields
