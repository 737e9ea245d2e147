"""Endpoints for saving a card with the provider, disputes, refunds and provider webhooks."""

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from billing.gateways import ProviderUnavailable, gateway_get
from billing.models import LeadDispute, PaymentProfile, Refund, RefundStatus
from billing.stripe_webhooks import stripe_event_receive
from marketplace.api.base import MarketplaceAPIView, PlatformAPIViewUnscoped, TenantGenericViewSet
from marketplace.api.fields import Money
from marketplace.api.permissions import IsProMember
from marketplace.errors import Conflict, Unavailable


def _money(amount, currency):
    return {"amount": amount, "currency": currency}


class SetupIntentOutput(serializers.Serializer):
    client_secret = serializers.CharField()
    customer = serializers.CharField()
    setup_intent = serializers.CharField()


class SetupIntentView(MarketplaceAPIView):
    """Start saving a card: the mobile app confirms the returned client secret with the
    provider's SDK; the saved card is recorded when the provider's webhook arrives."""

    permission_classes = [IsProMember]

    @extend_schema(request=None, responses={201: SetupIntentOutput})
    def post(self, request):
        gateway = gateway_get()
        if not getattr(gateway, "supports_setup_intents", False):
            raise Conflict(
                "payments_not_configured", "This marketplace takes no card payments through a provider; ask its staff."
            )
        pro = request.user.pro
        try:
            customer = _customer_for(pro=pro, gateway=gateway)
            intent = gateway.setup_intent_create(
                customer=customer,
                pro=pro,
                idempotency_key=f"pro-{pro.pk}-setup-{request.headers.get('Idempotency-Key') or _nonce()}",
            )
        except ProviderUnavailable:
            raise Unavailable(
                "payment_provider_unavailable", "The payment provider is unavailable; retry shortly.", retry_after=5
            ) from None
        return Response(
            {"client_secret": intent["client_secret"], "customer": customer, "setup_intent": intent["id"]},
            status=status.HTTP_201_CREATED,
        )


def _nonce() -> str:
    import secrets

    return secrets.token_hex(8)


def _customer_for(*, pro, gateway) -> str:
    """The pro's provider customer, created once (the key makes a concurrent retry reuse it)."""
    profile = PaymentProfile.objects.filter(pro=pro, gateway=gateway.name).exclude(customer_reference="").first()
    if profile:
        return profile.customer_reference
    customer = gateway.customer_create(pro=pro, idempotency_key=f"pro-{pro.pk}-customer")
    with transaction.atomic():
        PaymentProfile.objects.update_or_create(
            pro=pro,
            defaults={"marketplace_id": pro.marketplace_id, "gateway": gateway.name, "customer_reference": customer},
        )
    return customer


class DisputeRefund(serializers.Serializer):
    status = serializers.ChoiceField(choices=RefundStatus.choices)
    amount = serializers.IntegerField(help_text="Integer minor units.")
    currency = serializers.RegexField(r"^[A-Z]{3}$", help_text="ISO 4217 code.")


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

    @extend_schema_field(Money)
    def get_fee(self, dispute) -> dict:
        return _money(dispute.charge.amount, dispute.charge.currency)

    @extend_schema_field(DisputeRefund(allow_null=True))
    def get_refund(self, dispute) -> dict | None:
        refund = dispute.refund
        if refund is None:
            return None
        return {"status": refund.status, **_money(refund.amount, refund.currency)}


class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    """The pro's disputes, newest first."""

    queryset = LeadDispute.objects.all()
    serializer_class = DisputeOutput
    permission_classes = [IsProMember]

    def scope_queryset(self, queryset):
        return queryset.filter(pro=self.request.user.pro).select_related("charge", "refund").order_by("-created_at")


class RefundOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()

    class Meta:
        model = Refund
        fields = ["id", "charge", "lead", "amount", "status", "reason", "created_at", "completed_at"]
        read_only_fields = fields
        extra_kwargs = {"reason": {"help_text": "Free text: why the money was given back."}}

    @extend_schema_field(Money)
    def get_amount(self, refund) -> dict:
        return _money(refund.amount, refund.currency)


class RefundViewSet(mixins.ListModelMixin, TenantGenericViewSet):
    """The pro's refunds, newest first."""

    queryset = Refund.objects.all()
    serializer_class = RefundOutput
    permission_classes = [IsProMember]

    def scope_queryset(self, queryset):
        return queryset.filter(pro=self.request.user.pro).order_by("-created_at")


class StripeWebhookView(PlatformAPIViewUnscoped):
    """Unscoped on purpose: the provider serves every marketplace; the signed event's
    metadata names the rows it concerns."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(description="Event accepted"),
            400: OpenApiResponse(description="Bad signature"),
        },
        auth=[],
    )
    def post(self, request):
        event, created = stripe_event_receive(payload=request.body, signature=request.headers.get("Stripe-Signature"))
        return Response({"received": True, "duplicate": not created})
