"""Tracked contact endpoints (phone, website) and the connection dashboards."""

from django.http import HttpResponse, HttpResponseRedirect
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from connections.api.serializers import (
    AttributionQuerySerializer,
    DashboardQuerySerializer,
    DashboardSerializer,
    PhoneSerializer,
)
from connections.models import ConnectionKind
from connections.selectors import KINDS, connection_dashboard, connection_series
from connections.services import connection_click_record
from marketplace.api.authentication import MarketplaceJWTAuthentication
from marketplace.api.base import MarketplaceAPIView, TenantGenericAPIView
from marketplace.api.csv_export import csv_response, csv_schema
from marketplace.api.permissions import IsMarketplaceStaff, IsProMember
from marketplace.api.throttling import ClientNetworkThrottle
from marketplace.errors import NotFound
from marketplace.models import MembershipTier
from marketplace.network import public_web_url
from marketplace.selectors import marketplace_policy
from pros.models import Pro


class OptionalJWTAuthentication(MarketplaceJWTAuthentication):
    """Public links: a valid token identifies the visitor (so staff and the pro's own users are
    not counted); a missing, stale or foreign token simply means an anonymous visitor."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            return None


class OptionalJWTScheme(OpenApiAuthenticationExtension):
    target_class = OptionalJWTAuthentication
    name = "jwtAuthOptional"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def safe_http_url(url: str) -> str | None:
    """The URL itself when the website click may redirect there (``public_web_url``: http(s),
    a host name or a public IP literal, nothing a browser would read differently), else None."""
    return url if public_web_url(url) else None


class _TrackedContactView(TenantGenericAPIView):
    tenant_model = Pro
    permission_classes = [AllowAny]
    authentication_classes = [OptionalJWTAuthentication]
    # Per client network (IPv4 address or IPv6 /64), whatever User-Agent or token it sends:
    # one machine cannot click its way up the connection counts (or harvest every number).
    throttle_classes = [ClientNetworkThrottle]
    throttle_scope = "clicks"
    kind: str = ""

    def scope_queryset(self, queryset):
        queryset = queryset.filter(suspended=False)
        if marketplace_policy(self.request.marketplace).members_only_contact_display:
            queryset = queryset.filter(tier=MembershipTier.BRAND_BUILDER)
        return queryset

    def record_click(self, pro: Pro) -> None:
        query = AttributionQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if self.request.method != "GET" or self._is_prefetch():
            return  # HEAD probes and speculative prefetches are not a visitor's click
        connection_click_record(
            marketplace=self.request.marketplace,
            pro=pro,
            kind=self.kind,
            user=self.request.user,
            # The client address as the throttles see it (honours REST_FRAMEWORK["NUM_PROXIES"]).
            ip=BaseThrottle().get_ident(self.request),
            user_agent=self.request.META.get("HTTP_USER_AGENT", ""),  # bots only: not part of the visitor
            **query.attribution(),
        )

    def _is_prefetch(self) -> bool:
        headers = self.request.headers
        purpose = f"{headers.get('Sec-Purpose', '')} {headers.get('Purpose', '')} {headers.get('X-Moz', '')}"
        return "prefetch" in purpose.lower()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"  # every request must reach us to be counted
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class ProPhoneView(_TrackedContactView):
    """A member pro's phone number; each call records a phone click."""

    kind = ConnectionKind.PHONE_CLICK

    @extend_schema(parameters=[AttributionQuerySerializer], responses={200: PhoneSerializer})
    def get(self, request, pk: int):
        pro = self.get_object()
        if not pro.phone:
            raise NotFound()
        self.record_click(pro)
        return Response(PhoneSerializer({"phone": pro.phone}).data)


class ProWebsiteView(_TrackedContactView):
    """302 to a member pro's website (or social page); each call records a website click."""

    kind = ConnectionKind.WEBSITE_CLICK

    @extend_schema(
        parameters=[AttributionQuerySerializer],
        responses={302: OpenApiResponse(description="Redirect to the pro's own website (Location header).")},
    )
    def get(self, request, pk: int):
        pro = self.get_object()
        url = safe_http_url(pro.website)
        if url is None:
            raise NotFound()
        self.record_click(pro)
        response = HttpResponseRedirect(url)
        response["Referrer-Policy"] = "origin"
        return response


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
