"""``POST /quote-requests/{id}/confirm/``: the homeowner confirms a request a pro reported
unreachable (``billing.contact_checks``): the report then goes to staff as a normal dispute
instead of being credited automatically when the confirmation window ends."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from billing import contact_checks
from leads import selectors
from leads.models import QuoteRequest
from marketplace.api.base import TenantGenericAPIView
from marketplace.api.permissions import IsHomeowner


class ConfirmOutput(serializers.Serializer):
    confirmed = serializers.BooleanField()
    reports = serializers.IntegerField(help_text="Reports this confirmation answered (0: confirmed before).")


class QuoteRequestConfirmView(TenantGenericAPIView):
    queryset = QuoteRequest.objects.all()
    permission_classes = [IsHomeowner]
    serializer_class = ConfirmOutput

    def scope_queryset(self, queryset):
        return selectors.request_queryset_for_homeowner(queryset, homeowner=self.request.user)

    @extend_schema(
        request=None,
        responses={
            200: ConfirmOutput,
            409: OpenApiResponse(description="confirmation_not_requested / confirmation_window_closed"),
        },
    )
    def post(self, request, pk):
        quote_request = self.get_object()
        reports = contact_checks.contact_confirm(request_id=quote_request.pk, homeowner=request.user)
        return Response(ConfirmOutput({"confirmed": True, "reports": reports}).data)
