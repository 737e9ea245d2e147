"""Prepaid credits for pros: the wallet, its entries and top-ups (issue #15)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from billing import auto_top_up, selectors, wallet
from billing.api import serializers as s
from billing.models import TopUp, WalletEntry
from marketplace.api.base import MarketplaceAPIView, TenantGenericViewSet
from marketplace.api.permissions import IsProMember


class WalletView(MarketplaceAPIView):
    permission_classes = [IsProMember]

    @extend_schema(
        summary="The pro's credit balance",
        description="Balance (the sum of the wallet's append-only entries), top-ups still open, and the "
        "marketplace's payment mode and top-up bounds. Pros only.",
        responses={200: s.WalletOutput},
    )
    def get(self, request):
        pro = request.user.pro
        body = selectors.wallet_summary(pro=pro)
        return Response(s.WalletOutput(body).data)


class TopUpViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, TenantGenericViewSet):
    """The pro's top-ups, newest first."""

    queryset = TopUp.objects.all()
    serializer_class = s.TopUpOutput
    permission_classes = [IsProMember]

    def scope_queryset(self, queryset):
        return queryset.filter(pro=self.request.user.pro).order_by("-created_at", "-pk")

    @extend_schema(
        summary="Buy credits with the saved card",
        description="Charges the saved card on-session. 201 with status succeeded (credited at once), "
        "requires_action (authenticate with client_secret; credited once the payment succeeds), processing "
        "(the provider did not answer; settled by its event or the recovery job) or failed. Honours "
        "Idempotency-Key: a retry never charges twice. Errors: 400 top_up_out_of_range, 402 "
        "payment_method_required, 409 prepaid_credits_not_enabled.",
        request=s.TopUpInput,
        responses={
            201: s.TopUpOutput,
            400: OpenApiResponse(description="top_up_out_of_range / validation_error"),
            402: OpenApiResponse(description="payment_method_required"),
            409: OpenApiResponse(description="prepaid_credits_not_enabled"),
        },
    )
    def create(self, request, *args, **kwargs):
        data = s.TopUpInput(data=request.data)
        data.is_valid(raise_exception=True)
        top_up = wallet.top_up_create(
            pro=request.user.pro,
            amount=data.validated_data["amount"],
            request_key=request.headers.get("Idempotency-Key", ""),
        )
        return Response(s.TopUpOutput(top_up).data, status=status.HTTP_201_CREATED)


class WalletEntryViewSet(mixins.ListModelMixin, TenantGenericViewSet):
    """The wallet's entries (top-ups, lead fees, credits), newest first."""

    queryset = WalletEntry.objects.all()
    serializer_class = s.WalletEntryOutput
    permission_classes = [IsProMember]

    def scope_queryset(self, queryset):
        return queryset.filter(pro=self.request.user.pro).order_by("-created_at", "-pk")


class AutoTopUpView(MarketplaceAPIView):
    """``/pro/wallet/auto-top-up/``: the pro's explicit consent to automatic top-ups."""

    permission_classes = [IsProMember]

    def _save(self, request, *, partial: bool):
        pro = request.user.pro
        current = selectors.auto_top_up_summary(pro=pro) if partial else None
        data = request.data if isinstance(request.data, dict) else {}
        if current is not None:
            data = {key: data.get(key, current[key]["amount"]) for key in ("threshold", "amount", "monthly_limit")}
        body = s.AutoTopUpInput(data=data, context={"marketplace": request.marketplace})
        body.is_valid(raise_exception=True)
        auto_top_up.auto_top_up_set(pro=pro, actor=request.user, **body.validated_data)
        return Response(s.AutoTopUpOutput(selectors.auto_top_up_summary(pro=pro)).data)

    @extend_schema(
        summary="Consent to automatic top-ups",
        request=s.AutoTopUpInput,
        responses={
            200: s.AutoTopUpOutput,
            400: OpenApiResponse(description="auto_top_up_out_of_range / validation_error"),
            402: OpenApiResponse(description="payment_method_required"),
            409: OpenApiResponse(description="prepaid_credits_not_enabled"),
        },
    )
    def put(self, request):
        return self._save(request, partial=False)

    @extend_schema(
        summary="Change the automatic top-up (omitted fields keep their values)",
        request=s.AutoTopUpInput(partial=True),
        responses={
            200: s.AutoTopUpOutput,
            400: OpenApiResponse(description="auto_top_up_out_of_range / validation_error"),
            402: OpenApiResponse(description="payment_method_required"),
            409: OpenApiResponse(description="prepaid_credits_not_enabled"),
        },
    )
    def patch(self, request):
        return self._save(request, partial=True)

    @extend_schema(summary="Withdraw the consent to automatic top-ups", responses={204: None})
    def delete(self, request):
        auto_top_up.auto_top_up_withdraw(pro=request.user.pro, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
