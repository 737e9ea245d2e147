"""Input and output shapes of the billing API (views live in ``views.py`` and ``payments.py``)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import (
    Charge,
    CreditReason,
    LeadCredit,
    LeadDispute,
    PaymentMode,
    PaymentProfile,
    Refund,
    TopUp,
    TopUpStatus,
    WalletEntry,
)
from marketplace.api.money import MoneyOutput, money


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


class TopUpInput(serializers.Serializer):
    amount = serializers.IntegerField(
        min_value=1,
        max_value=10**12,
        help_text="Minor units of the marketplace's currency (NT$1,000 = 100000), within its top-up bounds.",
    )


class TopUpOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()
    client_secret = serializers.SerializerMethodField(
        help_text="Set while status is requires_action: authenticate with the provider's SDK (local gateway: "
        "POST /billing/test-mode/payment-intents/confirm/), then the top-up is credited."
    )

    class Meta:
        model = TopUp
        fields = ["id", "status", "amount", "client_secret", "failure_code", "failure_message", "created_at"]
        read_only_fields = fields

    @extend_schema_field(MoneyOutput)
    def get_amount(self, top_up: TopUp) -> dict:
        return money(top_up.amount, top_up.currency)

    def get_client_secret(self, top_up: TopUp) -> str | None:
        return top_up.client_secret if top_up.status == TopUpStatus.REQUIRES_ACTION else None


class WalletEntryOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField(help_text="Signed: a debit is negative.")
    balance_after = serializers.SerializerMethodField()

    class Meta:
        model = WalletEntry
        fields = ["id", "kind", "amount", "balance_after", "lead", "top_up", "memo", "created_at"]
        read_only_fields = fields

    @extend_schema_field(MoneyOutput)
    def get_amount(self, entry: WalletEntry) -> dict:
        return money(entry.amount, entry.currency)

    @extend_schema_field(MoneyOutput)
    def get_balance_after(self, entry: WalletEntry) -> dict:
        return money(entry.balance_after, entry.currency)


class WalletOutput(serializers.Serializer):
    payment_mode = serializers.ChoiceField(choices=PaymentMode.choices)
    balance = MoneyOutput()
    pending_top_ups = TopUpOutput(many=True)
    auto_top_up = serializers.JSONField(
        allow_null=True, help_text="Automatic top-up settings; always null for now (not offered yet)."
    )
    top_up_min = MoneyOutput()
    top_up_max = MoneyOutput()


class LeadCreditOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()

    class Meta:
        model = LeadCredit
        fields = ["id", "lead", "reason", "amount", "memo", "created_at"]
        read_only_fields = fields

    @extend_schema_field(MoneyOutput)
    def get_amount(self, credit: LeadCredit) -> dict:
        return money(credit.amount, credit.currency)


class StaffCreditInput(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=[CreditReason.GOODWILL, CreditReason.UNREACHABLE, CreditReason.DUPLICATE],
        default=CreditReason.GOODWILL,
    )
    memo = serializers.CharField(max_length=300, help_text="Why (kept with the credit, shown to the pro).")


class CreditsByReasonOutput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=CreditReason.choices)
    credits = serializers.IntegerField()
    amount = MoneyOutput()
