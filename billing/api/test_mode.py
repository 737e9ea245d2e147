"""Test-mode confirmation for the built-in ``local`` gateway: the stand-in for the provider's
mobile SDK (``billing/local_provider.py``). Like the SDK's ``confirmCardSetup(clientSecret)`` /
``confirmCardPayment(clientSecret)`` they take only the client secret (which names the
intent). 404 unless ``PAYMENT_GATEWAY=local``: with Stripe, the app uses Stripe's SDK."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from billing import local_provider
from marketplace.api.base import PlatformAPIViewUnscoped
from marketplace.errors import NotFound


class SetupIntentConfirmInput(serializers.Serializer):
    client_secret = serializers.CharField(max_length=100)
    payment_method = serializers.CharField(
        max_length=100,
        help_text="A test card: pm_card_visa, pm_card_mastercard, pm_card_authenticationRequired (saving succeeds); "
        "pm_card_chargeDeclined, pm_card_insufficientFunds (402 card_declined).",
    )


class PaymentIntentConfirmInput(serializers.Serializer):
    client_secret = serializers.CharField(max_length=100)


class TestModeIntentOutput(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.ChoiceField(choices=["setup_intent", "payment_intent"])
    status = serializers.CharField()
    customer = serializers.CharField(allow_null=True)
    payment_method = serializers.CharField(allow_null=True)


class _TestModeView(PlatformAPIViewUnscoped):
    """Unscoped and unauthenticated on purpose, like the provider's SDK: the client secret is
    the credential, and it was handed only to the pro who started the intent."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def initial(self, request, *args, **kwargs):
        if settings.PAYMENT_GATEWAY != "local":
            raise NotFound()
        super().initial(request, *args, **kwargs)


_ERRORS = {
    404: OpenApiResponse(description="resource_missing (unknown intent or wrong client secret), or not local"),
    400: OpenApiResponse(description="validation_error"),
}


class SetupIntentConfirmView(_TestModeView):
    @extend_schema(
        summary="Confirm a SetupIntent with a test card (local gateway, test mode)",
        request=SetupIntentConfirmInput,
        responses={
            200: TestModeIntentOutput,
            402: OpenApiResponse(description="card_declined (decline_code)"),
            **_ERRORS,
        },
        auth=[],
    )
    def post(self, request):
        data = SetupIntentConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(local_provider.setup_intent_confirm(**data.validated_data))


class PaymentIntentConfirmView(_TestModeView):
    @extend_schema(
        summary="Authenticate a payment that requires action (local gateway, test mode)",
        request=PaymentIntentConfirmInput,
        responses={200: TestModeIntentOutput, **_ERRORS},
        auth=[],
    )
    def post(self, request):
        data = PaymentIntentConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(local_provider.payment_intent_confirm(**data.validated_data))
