from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from billing import cards, selectors
from billing.api import serializers as s
from billing.exports import STATEMENT_HEADER, statement_rows
from billing.models import Charge
from marketplace.api.base import MarketplaceAPIView, TenantGenericViewSet
from marketplace.api.csv_export import ExportRangeQuery, ProCsvExportView, csv_schema
from marketplace.api.permissions import IsProMember
from marketplace.errors import NotFound
from pros.api.access import member_pro


class ChargeViewSet(mixins.ListModelMixin, TenantGenericViewSet):
    """The pro's own charges (contact fees), newest first."""

    queryset = Charge.objects.all()
    serializer_class = s.ChargeOutput
    permission_classes = [IsProMember]

    def scope_queryset(self, queryset):
        return selectors.charges_queryset_for_pro(queryset, pro=member_pro(self.request))


class PaymentMethodView(MarketplaceAPIView):
    """Save the pro's payment method (a provider token) used to pay contact fees."""

    permission_classes = [IsProMember]

    @extend_schema(
        summary="The pro's saved card",
        responses={200: s.PaymentMethodOutput, 404: OpenApiResponse(description="payment_method_missing")},
    )
    def get(self, request):
        card = cards.payment_method_for(pro=request.user.pro)
        if card is None:
            raise NotFound("payment_method_missing", _("No card is saved yet."))
        return Response(s.PaymentMethodOutput(card).data)

    @extend_schema(request=s.PaymentMethodInput, responses={200: s.PaymentMethodOutput})
    def put(self, request):
        data = s.PaymentMethodInput(data=request.data)
        data.is_valid(raise_exception=True)
        profile = cards.payment_method_save(pro=request.user.pro, **data.validated_data)
        return Response(s.PaymentMethodOutput(profile).data)


@extend_schema_view(get=csv_schema(query=ExportRangeQuery, columns=", ".join(STATEMENT_HEADER)))
class StatementExportView(ProCsvExportView):
    """The pro's ledger (charges, refunds, credits) over a range of local days, as CSV."""

    file_prefix = "statement"
    header = STATEMENT_HEADER
    row_source = staticmethod(statement_rows)
