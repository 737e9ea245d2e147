"""Input and output shapes of the billing API (views live in ``views.py`` and ``payments.py``)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import Charge, LeadDispute, PaymentProfile, Refund
from marketplace.money import CURRENCY_CHOICES, Money


class MoneyOutput(serializers.Serializer):
    """Money: integer minor units and an ISO 4217 currency (NT$100 is 10000 TWD)."""

    amount = serializers.IntegerField()
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)


def money(amount: int, currency: str) -> dict[str, object]:
    return Money(amount, currency).as_json()


class ChargeOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()

    class Meta:
        model = Charge
        fields = ["id", "lead", "amount", "status", "failure_code", "created_at", "completed_at"]

    @extend_schema_field(MoneyOutput)
    def get_amount(self, obj: Charge) -> dict:
        return money(obj.amount, obj.currency)


class PaymentMethodInput(serializers.Serializer):
    token = serializers.CharField(
        max_length=100,
        help_text="A payment-method token from the provider (local gateway: pm_card_visa, pm_card_chargeDeclined, …).",
    )
    display = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class PaymentMethodOutput(serializers.ModelSerializer):
    class Meta:
        model = PaymentProfile
        fields = ["gateway", "display", "updated_at"]


class SetupIntentOutput(serializers.Serializer):
    id = serializers.CharField(help_text="The SetupIntent's id (seti_… at Stripe, lseti_… on the local gateway).")
    setup_intent = serializers.CharField(help_text="Same as id (kept for existing clients).")
    client_secret = serializers.CharField(help_text="Confirm it with the provider's SDK (or the test-mode endpoint).")
    customer = serializers.CharField()
    gateway = serializers.CharField(help_text="stripe or local: where to confirm the client secret.")


class DisputeRefundOutput(serializers.Serializer):
    status = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()


class DisputeOutput(serializers.ModelSerializer):
    fee = serializers.SerializerMethodField()
    refund = serializers.SerializerMethodField()

    class Meta:
        model = LeadDispute
        fields = [
            "id",
            "lead",
            "reason",
            "details",
            "status",
            "fee",
            "refund",
            "created_at",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields

    @extend_schema_field(MoneyOutput)
    def get_fee(self, dispute: LeadDispute) -> dict:
        return money(dispute.charge.amount, dispute.charge.currency)

    @extend_schema_field(DisputeRefundOutput(allow_null=True))
    def get_refund(self, dispute: LeadDispute) -> dict | None:
        refund = dispute.refund
        if refund is None:
            return None
        return {"status": refund.status, **money(refund.amount, refund.currency)}


class RefundOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()

    class Meta:
        model = Refund
        fields = ["id", "charge", "lead", "amount", "status", "reason", "created_at", "completed_at"]
        read_only_fields = fields

    @extend_schema_field(MoneyOutput)
    def get_amount(self, refund: Refund) -> dict:
        return money(refund.amount, refund.currency)
