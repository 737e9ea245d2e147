"""Input and output shapes of the billing API (views live in ``views.py`` and ``payments.py``)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import (
    AutoTopUpStatus,
    BalanceRefund,
    Charge,
    CreditReason,
    LeadCredit,
    LeadDispute,
    PaymentMode,
    PaymentProfile,
    Refund,
    RefundStatus,
    TopUp,
    TopUpStatus,
    WalletEntry,
)
from marketplace.api.money import MoneyOutput, money
from marketplace.money import CURRENCY_CHOICES
from pros.api.serializers import MoneyInputField


class ChargeOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()

    class Meta:
        model = Charge
        fields = ["id", "lead", "amount", "status", "failure_code", "created_at", "completed_at"]
        read_only_fields = fields
        extra_kwargs = {"failure_code": {"help_text": "The provider's decline code of a failed charge; else empty."}}

    @extend_schema_field(MoneyOutput)
    def get_amount(self, obj: Charge) -> dict:
        return money(obj.amount, obj.currency)


class PaymentMethodInput(serializers.Serializer):
    token = serializers.CharField(
        max_length=100,
        help_text="A payment-method token from the provider (local gateway: pm_card_visa, pm_card_chargeDeclined, …).",
    )
    display = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


GATEWAYS = ["local", "stripe"]


class PaymentMethodOutput(serializers.ModelSerializer):
    gateway = serializers.ChoiceField(choices=GATEWAYS, help_text="The payment provider holding the card.")

    class Meta:
        model = PaymentProfile
        fields = ["gateway", "display", "updated_at"]
        read_only_fields = fields


class SetupIntentOutput(serializers.Serializer):
    id = serializers.CharField(help_text="The SetupIntent's id (seti_… at Stripe, lseti_… on the local gateway).")
    setup_intent = serializers.CharField(help_text="Same as id (kept for existing clients).")
    client_secret = serializers.CharField(help_text="Confirm it with the provider's SDK (or the test-mode endpoint).")
    customer = serializers.CharField()
    gateway = serializers.ChoiceField(choices=GATEWAYS, help_text="Where to confirm the client secret.")


class DisputeRefundOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=RefundStatus.choices)
    amount = serializers.IntegerField(help_text="Integer minor units.")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)


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
        extra_kwargs = {"reason": {"help_text": "Free text: why the money was given back."}}

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
    status = serializers.SerializerMethodField(
        help_text="processing: the provider has not answered yet (its event or the recovery job settles it)."
    )
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

    @extend_schema_field(serializers.ChoiceField(choices=["succeeded", "requires_action", "processing", "failed"]))
    def get_status(self, top_up: TopUp) -> str:
        return "processing" if top_up.status == TopUpStatus.PENDING else top_up.status

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


class AutoTopUpInput(serializers.Serializer):
    """The pro's consent to automatic top-ups. Each amount is minor units of the marketplace's
    currency, as a bare integer or a Money object (its currency must be the marketplace's)."""

    threshold = MoneyInputField(help_text="Top up when a lead fee leaves the balance below this.")
    amount = MoneyInputField(help_text="Each automatic top-up, within the marketplace's top-up bounds.")
    monthly_limit = MoneyInputField(
        help_text="At most this much in automatic top-ups per calendar month (the marketplace's time zone); "
        "at least `amount`."
    )


class AutoTopUpOutput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=AutoTopUpStatus.choices,
        help_text="needs_attention: a top-up needed authentication or failed; none runs until the consent is "
        "saved again.",
    )
    threshold = MoneyOutput()
    amount = MoneyOutput()
    monthly_limit = MoneyOutput()
    used_this_month = MoneyOutput(help_text="Automatic top-ups this calendar month (succeeded or under way).")
    attention_reason = serializers.CharField(allow_blank=True)
    attention_top_up = serializers.IntegerField(
        allow_null=True, help_text="The top-up that needs authentication or failed (see its client_secret)."
    )
    consented_at = serializers.DateTimeField()


class WalletOutput(serializers.Serializer):
    payment_mode = serializers.ChoiceField(choices=PaymentMode.choices)
    balance = MoneyOutput()
    pending_top_ups = TopUpOutput(many=True)
    auto_top_up = AutoTopUpOutput(
        allow_null=True, help_text="The pro's consent to automatic top-ups; null when none is given (or withdrawn)."
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


class BalanceRefundInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why (audited with the staff member).")


class BalanceRefundOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()

    class Meta:
        model = BalanceRefund
        fields = ["id", "top_up", "amount", "status", "failure_message", "reason", "created_at", "completed_at"]
        read_only_fields = fields

    @extend_schema_field(MoneyOutput)
    def get_amount(self, row: BalanceRefund) -> dict:
        return money(row.amount, row.currency)


class EmailBounceInput(serializers.Serializer):
    id = serializers.CharField(max_length=120, help_text="The provider's event id (stored once).")
    type = serializers.ChoiceField(choices=["bounce"])
    bounce_type = serializers.ChoiceField(choices=["hard", "soft"])
    email = serializers.EmailField()
    occurred_at = serializers.DateTimeField()
    diagnostic = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class EmailBounceOutput(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField(help_text="This event id was received before (nothing done again).")
    credited = serializers.IntegerField(help_text="Leads reported unreachable that this bounce credited.")
