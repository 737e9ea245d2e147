"""``POST /pro/leads/{id}/dispute/``: the pro disputes a lead's contact fee.

It lives with the leads API because it starts from a lead (leads may use billing; billing
never imports leads). The dispute itself is billing's (``billing.disputes``).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from billing import disputes
from billing.api.serializers import DisputeOutput
from billing.models import DisputeReason
from leads.models import Lead
from marketplace.api.base import TenantGenericAPIView
from marketplace.api.permissions import IsProMember


class DisputeInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DisputeReason.choices)
    details = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class LeadDisputeView(TenantGenericAPIView):
    """``POST /pro/leads/{id}/dispute/``: dispute a lead the pro was charged for."""

    queryset = Lead.objects.all()
    serializer_class = DisputeInput
    permission_classes = [IsProMember]

    def scope_queryset(self, queryset):
        return queryset.filter(pro=self.request.user.pro)

    @extend_schema(request=DisputeInput, responses={201: DisputeOutput})
    def post(self, request, pk):
        lead = self.get_object()
        data = DisputeInput(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = disputes.dispute_open(lead=lead, pro=request.user.pro, actor=request.user, **data.validated_data)
        return Response(DisputeOutput(dispute).data, status=status.HTTP_201_CREATED)
