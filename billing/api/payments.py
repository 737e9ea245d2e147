"""Endpoints for saving a card with the provider, disputes, refunds and provider webhooks."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from billing import cards
from billing.api import serializers as s
from billing.gateways import ProviderUnavailable, gateway_get
from billing.models import LeadDispute, Refund
from billing.stripe_webhooks import stripe_event_receive
from marketplace.api.base import MarketplaceAPIView, PlatformAPIViewUnscoped, TenantGenericViewSet
from marketplace.api.permissions import IsProMember
from marketplace.errors import Unavailable


class SetupIntentView(MarketplaceAPIView):
    """Start saving a card: the mobile app confirms the returned client secret with the
    provider's SDK (on the local gateway: the test-mode confirmation endpoint); the saved card
    is recorded when the provider's event arrives."""

    permission_classes = [IsProMember]

    @extend_schema(
        summary="Start saving a card (SetupIntent for off-session use)",
        request=None,
        responses={
            201: s.SetupIntentOutput,
            409: OpenApiResponse(description="payments_not_configured: the marketplace takes no card payments"),
            503: OpenApiResponse(description="payment_provider_unavailable (Retry-After)"),
        },
    )
    def post(self, request):
        try:
            intent = cards.setup_intent_start(
                pro=request.user.pro, request_key=request.headers.get("Idempotency-Key", "")
            )
        except ProviderUnavailable:
            raise Unavailable(
                "payment_provider_unavailable", _("The payment provider is unavailable; retry shortly."), retry_after=5
            ) from None
        body = {
            "id": intent.id,
            "setup_intent": intent.id,
            "client_secret": intent.client_secret,
            "customer": intent.customer,
            "gateway": gateway_get().name,
        }
        return Response(s.SetupIntentOutput(body).data, status=status.HTTP_201_CREATED)


class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    """The pro's disputes, newest first."""

    queryset = LeadDispute.objects.all()
    serializer_class = s.DisputeOutput
    permission_classes = [IsProMember]

    def scope_queryset(self, queryset):
        return queryset.filter(pro=self.request.user.pro).select_related("charge", "refund").order_by("-created_at")


class RefundViewSet(mixins.ListModelMixin, TenantGenericViewSet):
    """The pro's refunds, newest first."""

    queryset = Refund.objects.all()
    serializer_class = s.RefundOutput
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
