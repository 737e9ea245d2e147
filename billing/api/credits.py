"""Lead credits: the pro's list, staff granting one (audited), and credits by reason."""

from django.db.models import Count, Sum
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from billing import credits
from billing.api import serializers as s
from billing.models import Charge, LeadCredit
from marketplace.api.base import MarketplaceAPIView, TenantGenericAPIView, TenantGenericViewSet
from marketplace.api.permissions import IsMarketplaceStaff, IsProMember
from marketplace.money import Money


class ProCreditViewSet(mixins.ListModelMixin, TenantGenericViewSet):
    """Fees credited back to the pro (automatically or by staff), newest first."""

    queryset = LeadCredit.objects.all()
    serializer_class = s.LeadCreditOutput
    permission_classes = [IsProMember]

    def scope_queryset(self, queryset):
        return queryset.filter(pro=self.request.user.pro).order_by("-created_at", "-pk")


class StaffChargeCreditView(TenantGenericAPIView):
    """``POST /staff/billing/charges/{id}/credit/``: give a paid lead's fee back."""

    queryset = Charge.objects.all()
    serializer_class = s.StaffCreditInput
    permission_classes = [IsMarketplaceStaff]

    @extend_schema(
        summary="Credit a lead's fee (staff)",
        description="Goodwill (or a confirmed unreachable contact / duplicate) credit of what is left of the "
        "fee: back to the wallet for prepaid credits, to the card otherwise. Once per lead. Audited: the "
        "staff member, the time and the memo are kept with the credit.",
        request=s.StaffCreditInput,
        responses={
            201: s.LeadCreditOutput,
            409: OpenApiResponse(description="lead_already_credited / lead_not_charged"),
        },
    )
    def post(self, request, pk):
        charge = self.get_object()
        data = s.StaffCreditInput(data=request.data)
        data.is_valid(raise_exception=True)
        credit = credits.lead_credit_grant(charge_id=charge.pk, actor=request.user, **data.validated_data)
        return Response(s.LeadCreditOutput(credit).data, status=status.HTTP_201_CREATED)


class StaffCreditsByReasonView(MarketplaceAPIView):
    permission_classes = [IsMarketplaceStaff]

    @extend_schema(
        summary="Credits granted by reason (lead quality at a glance)",
        responses={200: s.CreditsByReasonOutput(many=True)},
    )
    def get(self, request):
        marketplace = request.marketplace
        rows = (
            LeadCredit.objects.filter(marketplace=marketplace)
            .values("reason")
            .annotate(credits=Count("pk"), total=Sum("amount"))
            .order_by("reason")
        )
        body = [
            {
                "reason": row["reason"],
                "credits": row["credits"],
                "amount": Money(row["total"] or 0, marketplace.currency).as_json(),
            }
            for row in rows
        ]
        return Response(s.CreditsByReasonOutput(body, many=True).data)
