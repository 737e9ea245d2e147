"""Quote requests (homeowners), the pro's leads and notification feed. Thin views."""

from __future__ import annotations

from typing import cast

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import ReturnDict

from leads import inbox, selectors, services
from leads.api import serializers as s
from leads.api.lead_json import lead_json, lead_json_context, lead_row_json
from leads.exports import LEAD_EXPORT_HEADER, lead_export_rows
from leads.models import Lead, Notification, QuoteRequest
from marketplace.api.base import TenantGenericViewSet
from marketplace.api.csv_export import ProCsvExportView, csv_schema
from marketplace.api.pagination import StatementPagination
from marketplace.api.permissions import IsHomeowner, IsProMember
from marketplace.api.throttling import ScopedThrottle
from marketplace.errors import NotFound
from pros.api.access import member_pro, member_pro_id


class QuoteRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    """A homeowner's quote requests: create (with ``pro`` for a profile request) and follow them."""

    queryset = QuoteRequest.objects.all()
    serializer_class = s.QuoteRequestOutput
    permission_classes = [IsHomeowner]
    throttle_scope = "quote_requests"

    def get_throttles(self):
        return [ScopedThrottle()] if self.action == "create" else []

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "marketplace": self.request.marketplace}

    def scope_queryset(self, queryset):
        return selectors.request_queryset_for_homeowner(queryset, homeowner=self.request.user)

    @extend_schema(
        description="The homeowner's request with every pro's answer. Reading it marks each accepted "
        "lead's answer as opened (first read only): an answer never opened within the marketplace's "
        "window is credited back to the pro automatically."
    )
    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        services.request_answers_opened(request_id=int(kwargs["pk"]))
        return response

    def _read(self, pk: int) -> ReturnDict:
        request = self.get_queryset().get(pk=pk)
        return s.QuoteRequestOutput(request, context=self.get_serializer_context()).data

    @extend_schema(request=s.QuoteRequestInput, responses={201: s.QuoteRequestOutput})
    def create(self, request):
        data = s.QuoteRequestInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        contact = values.pop("contact")
        created = services.quote_request_create(
            marketplace=request.marketplace,
            homeowner=request.user,
            data=services.RequestInput(
                **values, contact_name=contact["name"], contact_phone=contact["phone"], contact_email=contact["email"]
            ),
        )
        return Response(self._read(created.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.HireInput, responses={200: s.QuoteRequestOutput})
    @action(detail=True, methods=["post"])
    def hire(self, request, pk=None):
        quote_request = self.get_object()
        data = s.HireInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.quote_request_hire(
            marketplace=request.marketplace,
            homeowner=request.user,
            request_id=quote_request.pk,
            pro_id=data.validated_data["pro"],
        )
        return Response(self._read(quote_request.pk))

    @extend_schema(request=None, responses={200: s.QuoteRequestOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        quote_request = self.get_object()
        services.quote_request_cancel(
            marketplace=request.marketplace, homeowner=request.user, request_id=quote_request.pk
        )
        return Response(self._read(quote_request.pk))


class ProLeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    """The pro's own leads, newest first. Accept (charges the fee, reveals the contact) or reject."""

    queryset = Lead.objects.all()
    serializer_class = s.LeadOutput
    permission_classes = [IsProMember]
    pagination_class = StatementPagination

    def scope_queryset(self, queryset):
        return selectors.lead_queryset_for_pro(queryset, pro=member_pro(self.request))

    @extend_schema(parameters=[s.LeadListQuery])
    def list(self, request, *args, **kwargs):
        """One statement (``leads.inbox``): the page's leads with their offer counts and the count,
        scoped to the marketplace and the member's pro; the JSON is ``LeadOutput``'s."""
        filters = s.lead_list_filters(request.query_params)
        pagination = cast("StatementPagination", self.paginator)
        window = pagination.window(request)
        marketplace, pro_id, now = request.marketplace, member_pro_id(request), timezone.now()
        if window.number is None:  # ?page=last
            count = inbox.lead_count_for_pro(marketplace=marketplace, pro_id=pro_id, now=now, **filters)
            window = pagination.last(window, count=count)
        page = inbox.lead_page_for_pro(
            marketplace=marketplace, pro_id=pro_id, limit=window.size, offset=window.offset, now=now, **filters
        )
        context = lead_json_context(marketplace=marketplace, pro_id=pro_id, now=now)
        return pagination.respond(window, count=page.total, results=[lead_row_json(row, context) for row in page.rows])

    def _read(self, pk: int) -> dict:
        """The lead as the list shows it (one statement)."""
        marketplace, now = self.request.marketplace, timezone.now()
        row = inbox.lead_row_for_pro(marketplace=marketplace, pro_id=member_pro_id(self.request), lead_id=pk, now=now)
        if row is None:
            raise NotFound()
        return lead_row_json(row, lead_json_context(marketplace=marketplace, pro_id=row.pro_id, now=now))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "marketplace": self.request.marketplace}

    @extend_schema(request=s.AcceptInput, responses={200: s.LeadOutput})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        data = s.AcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        # The service looks the lead up among this pro's own (404 otherwise) under its row lock,
        # and returns it as it accepted it: the response is built from the rows it locked.
        lead_id = _lead_id(pk)
        lead = services.lead_accept(
            lead_id=lead_id,
            pro_id=request.user.pro_id,
            marketplace=request.marketplace,
            actor=request.user,
            **data.validated_data,
        )
        if lead is None:  # completed by a concurrent tap or the recovery job meanwhile
            return Response(self._read(lead_id))
        return Response(lead_json(lead, marketplace=request.marketplace))

    @extend_schema(request=s.RejectInput, responses={200: s.LeadOutput})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = s.RejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        lead_id = _lead_id(pk)
        services.lead_reject(lead_id=lead_id, pro=request.user.pro, actor=request.user, **data.validated_data)
        return Response(self._read(lead_id))


@extend_schema_view(get=csv_schema(query=s.LeadExportQuery, columns=", ".join(LEAD_EXPORT_HEADER)))
class LeadExportView(ProCsvExportView):
    """The pro's leads received over a range of local days, as CSV (filters as the inbox)."""

    query_class = s.LeadExportQuery
    file_prefix = "leads"
    header = LEAD_EXPORT_HEADER
    row_source = staticmethod(lead_export_rows)
    filters = ("status", "kind")


def _lead_id(pk) -> int:
    if not str(pk).isdigit():
        raise NotFound()
    return int(pk)


class NotificationViewSet(mixins.ListModelMixin, TenantGenericViewSet):
    """The pro's in-app notification feed, newest first."""

    queryset = Notification.objects.all()
    serializer_class = s.NotificationOutput
    permission_classes = [IsProMember]

    def scope_queryset(self, queryset):
        return selectors.notifications_for_pro(queryset, pro=member_pro(self.request))
