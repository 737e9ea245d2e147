"""Pay on mutual interest (Rule 14), the homeowner's side: the pros interested in its request,
and connecting with one (``leads/services/interest.py`` has the sequence). Thin views."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from leads.api.serializers import LeadQuote, _quote
from leads.models import Lead, LeadStatus, QuoteRequest
from leads.selectors import request_queryset_for_homeowner
from leads.services import interest
from marketplace.api.base import TenantGenericAPIView
from marketplace.api.permissions import IsHomeowner
from marketplace.models import MembershipTier


class ConnectInput(serializers.Serializer):
    pro = serializers.IntegerField(min_value=1, help_text="The interested pro to connect with (its id).")


class InterestedProProfile(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    photos = serializers.ListField(child=serializers.CharField())
    tier = serializers.ChoiceField(choices=MembershipTier.choices)
    star_score = serializers.IntegerField(help_text="0-100, from reviews.")
    review_count = serializers.IntegerField()


class ProContact(serializers.Serializer):
    phone = serializers.CharField(help_text="Empty when the pro gave none.")
    website = serializers.CharField(help_text="Empty when the pro gave none.")


class InterestOutput(serializers.Serializer):
    """One pro's interest in the request. No contact either way until the homeowner connects."""

    lead = serializers.IntegerField(source="pk", help_text="The pro's lead for this request.")
    pro = InterestedProProfile()
    status = serializers.ChoiceField(
        source="effective_status",
        choices=LeadStatus.choices,
        help_text="`interested`: connect to charge the pro and exchange contacts; `accepted`: connected; "
        "`lapsed`: not taken up in time (free); `filled`/`withdrawn`: closed (capacity reached, request "
        "cancelled or another pro hired).",
    )
    quote = serializers.SerializerMethodField()
    interested_at = serializers.DateTimeField(source="responded_at")
    interest_expires_at = serializers.DateTimeField(help_text="Connect before this time.")
    connected_at = serializers.DateTimeField(source="contact_revealed_at", allow_null=True)
    contact = serializers.SerializerMethodField()

    @extend_schema_field(LeadQuote(allow_null=True))
    def get_quote(self, lead: Lead) -> dict | None:
        return _quote(lead)

    @extend_schema_field(ProContact(allow_null=True))
    def get_contact(self, lead: Lead) -> dict | None:
        """The pro's contact, once connected (the pro sees the homeowner's from then on too)."""
        if lead.status != LeadStatus.ACCEPTED or lead.contact_revealed_at is None:
            return None
        return {"phone": lead.pro.phone, "website": lead.pro.website}


class _HomeownerRequestView(TenantGenericAPIView):
    queryset = QuoteRequest.objects.all()
    permission_classes = [IsHomeowner]

    def scope_queryset(self, queryset):
        return request_queryset_for_homeowner(queryset, homeowner=self.request.user)

    def _interests(self, request_id: int):
        return interest.request_interests(
            marketplace=self.request.marketplace, homeowner=self.request.user, request_id=request_id
        )


class RequestInterestsView(_HomeownerRequestView):
    """``GET /quote-requests/{id}/interests/``: the pros that expressed interest (paginated)."""

    serializer_class = InterestOutput

    @extend_schema(responses={200: InterestOutput(many=True)})
    def get(self, request, pk):
        quote_request = self.get_object()
        page = self.paginate_queryset(self._interests(quote_request.pk))
        return self.get_paginated_response(InterestOutput(page, many=True).data)


class RequestConnectView(_HomeownerRequestView):
    """``POST /quote-requests/{id}/connect/``: connect with an interested pro (it is charged now)."""

    serializer_class = ConnectInput

    @extend_schema(request=ConnectInput, responses={200: InterestOutput})
    def post(self, request, pk):
        quote_request = self.get_object()
        data = ConnectInput(data=request.data)
        data.is_valid(raise_exception=True)
        lead = interest.lead_connect(
            marketplace=request.marketplace,
            homeowner=request.user,
            request_id=quote_request.pk,
            pro_id=data.validated_data["pro"],
        )
        return Response(InterestOutput(self._interests(quote_request.pk).get(pk=lead.pk)).data)
