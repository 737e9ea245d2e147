"""Tracked contact endpoints (phone, website) and the connection dashboards."""

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from connections.api.clicks import OptionalJWTAuthentication, link_marketplace, safe_http_url
from connections.api.serializers import (
    AttributionQuerySerializer,
    DashboardQuerySerializer,
    DashboardSerializer,
    PhoneSerializer,
)
from connections.selectors import KINDS, connection_dashboard, connection_series
from marketplace.api.base import MarketplaceAPIView, TenantGenericAPIView
from marketplace.api.csv_export import csv_response, csv_schema
from marketplace.api.permissions import IsMarketplaceStaff, IsProMember
from marketplace.api.throttling import ClientNetworkThrottle
from pros.models import Pro

__all__ = ["safe_http_url"]  # the website click's rule, tested through this module


class _TrackedContactView(TenantGenericAPIView):
    """Documentation of a tracked contact endpoint: the schema, the route walker and the
    authorisation matrix read these classes; ``connections.api.clicks`` serves GET and HEAD
    (``lean_view`` in urls.py) with exactly these throttles, this authentication and this
    tenant model, and these classes answer the other methods (OPTIONS, 405)."""

    tenant_model = Pro
    permission_classes = [AllowAny]
    authentication_classes = [OptionalJWTAuthentication]
    # Per client network (IPv4 address or IPv6 /64), whatever User-Agent or token it sends:
    # one machine cannot click its way up the connection counts (or harvest every number).
    throttle_classes = [ClientNetworkThrottle]
    throttle_scope = "clicks"

    def served_by_lean_view(self) -> HttpResponse:
        raise ImproperlyConfigured(f"{type(self).__name__}.get is served by connections.api.clicks (lean_view)")


class ProPhoneView(_TrackedContactView):
    """A member pro's phone number; each call records a phone click."""

    @extend_schema(parameters=[AttributionQuerySerializer], responses={200: PhoneSerializer})
    def get(self, request, pk: int):
        return self.served_by_lean_view()


class ProWebsiteView(_TrackedContactView):
    """302 to a member pro's website (or social page); each call records a website click."""

    @extend_schema(
        parameters=[AttributionQuerySerializer],
        responses={302: OpenApiResponse(description="Redirect to the pro's own website (Location header).")},
    )
    def get(self, request, pk: int):
        return self.served_by_lean_view()


# --- Dashboards --------------------------------------------------------------------------


def _dashboard_query(request) -> DashboardQuerySerializer:
    query = DashboardQuerySerializer(data=request.query_params, context={"marketplace": request.marketplace})
    query.is_valid(raise_exception=True)
    return query


def _dashboard_response(request, pro=None) -> Response:
    query = _dashboard_query(request).validated_data
    data = connection_dashboard(
        marketplace=request.marketplace, period=query["period"], bucket=query["bucket"], pro=pro
    )
    return Response(DashboardSerializer(data).data)


def _csv_response(request, pro=None) -> HttpResponse:
    query = _dashboard_query(request).validated_data
    period = query["period"]
    series = connection_series(marketplace=request.marketplace, period=period, bucket=query["bucket"], pro=pro)
    scope = f"pro-{pro.pk}" if pro is not None else request.marketplace.slug
    return csv_response(
        filename=f"connections-{scope}-{period.start}-{period.end}.csv",
        header=["bucket", *KINDS, "total"],
        rows=(
            [point["bucket"].isoformat(), *(point["counts"][kind] for kind in KINDS), point["total"]]
            for point in series
        ),
    )


_csv_schema = csv_schema(query=DashboardQuerySerializer, columns="bucket, one column per kind, total")


class OwnConnectionsView(MarketplaceAPIView):
    """The signed-in pro's connections over a date range (from the daily rollups)."""

    permission_classes = [IsProMember]

    @extend_schema(parameters=[DashboardQuerySerializer], responses={200: DashboardSerializer})
    def get(self, request):
        return _dashboard_response(request, pro=request.user.pro)


class OwnConnectionsExportView(MarketplaceAPIView):
    permission_classes = [IsProMember]

    @_csv_schema
    def get(self, request):
        return _csv_response(request, pro=request.user.pro)


class StaffProConnectionsView(TenantGenericAPIView):
    """One pro's connections, for this marketplace's staff."""

    tenant_model = Pro
    permission_classes = [IsMarketplaceStaff]

    @extend_schema(parameters=[DashboardQuerySerializer], responses={200: DashboardSerializer})
    def get(self, request, pk: int):
        return _dashboard_response(request, pro=self.get_object())


class StaffProConnectionsExportView(TenantGenericAPIView):
    tenant_model = Pro
    permission_classes = [IsMarketplaceStaff]

    @_csv_schema
    def get(self, request, pk: int):
        return _csv_response(request, pro=self.get_object())


class StaffConnectionsView(MarketplaceAPIView):
    """The whole marketplace's connections, for its staff."""

    permission_classes = [IsMarketplaceStaff]

    @extend_schema(parameters=[DashboardQuerySerializer], responses={200: DashboardSerializer})
    def get(self, request):
        return _dashboard_response(request)


class StaffConnectionsExportView(MarketplaceAPIView):
    permission_classes = [IsMarketplaceStaff]

    @_csv_schema
    def get(self, request):
        return _csv_response(request)


# --- Signed tracked links (no header: the token names the marketplace and the pro) ----------


class _SignedLinkView(_TrackedContactView):
    """Resolves the marketplace and the pro from the signed token in the path, never from a
    header or the host; the click is then recorded exactly as on the header-based endpoint."""

    marketplace_from_link = True  # the schema gives it no marketplace security
    link_kind = ""

    def initial(self, request, *args, **kwargs):  # OPTIONS and the 405s, as for GET
        marketplace, pro_id = link_marketplace(kwargs.get("token", ""), self.link_kind)
        request._request._marketplace = marketplace  # what marketplace_from_request answers
        self.kwargs["pk"] = pro_id
        super().initial(request, *args, **kwargs)


class SignedWebsiteLinkView(_SignedLinkView):
    """302 to the pro's website, counting a website click for the marketplace and pro the link signs."""

    link_kind = "website"

    @extend_schema(
        parameters=[AttributionQuerySerializer],
        responses={
            302: OpenApiResponse(
                description="Redirect to the pro's own website.",
                response=None,
            )
        },
    )
    def get(self, request, token: str):
        return self.served_by_lean_view()


class SignedPhoneLinkView(_SignedLinkView):
    """302 to ``tel:<number>`` (the dialler), counting a phone click for the marketplace and pro the link signs."""

    link_kind = "phone"

    @extend_schema(
        parameters=[AttributionQuerySerializer],
        responses={302: OpenApiResponse(description="Redirect to `tel:` with the pro's number.")},
    )
    def get(self, request, token: str):
        return self.served_by_lean_view()
