"""Pros API: catalog, public pro list and profiles, the pro's own profile and services,
reviews, and the staff pro endpoints. Thin: parse → service or selector → serialize."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from marketplace.api.base import TenantGenericAPIView, TenantGenericViewSet, TenantReadOnlyViewSet
from marketplace.api.pagination import CappedCountPagination
from marketplace.api.permissions import IsHomeowner, IsMarketplaceStaff, IsProMember
from marketplace.api.request import MarketplaceRequest
from marketplace.errors import Invalid
from marketplace.postal import InvalidPostalCode, area_code_for
from pros import selectors, services
from pros.api import serializers as s
from pros.models import Category, Pro, Review, Service

if TYPE_CHECKING:
    _ContextBase = GenericAPIView
else:
    _ContextBase = object


class MarketplaceContextMixin(_ContextBase):
    """Serializers get the request's marketplace in their context."""

    request: MarketplaceRequest

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["marketplace"] = self.request.marketplace
        return context


@extend_schema_view(list=extend_schema(auth=[]), retrieve=extend_schema(auth=[]))
class CategoryViewSet(TenantReadOnlyViewSet):
    """The marketplace's active categories (two levels: ``parent`` is null at the top)."""

    queryset = Category.objects.all()
    serializer_class = s.CategoryOutput
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def scope_queryset(self, queryset):
        return selectors.category_list(marketplace=self.request.marketplace, queryset=queryset)


@extend_schema_view(
    list=extend_schema(
        auth=[],
        parameters=[
            OpenApiParameter("category", OpenApiTypes.STR, description="Category id or slug (includes subcategories)."),
            OpenApiParameter("postal_code", OpenApiTypes.STR, description="A postal code or area code."),
        ],
    ),
    retrieve=extend_schema(auth=[]),
)
class PublicProViewSet(MarketplaceContextMixin, TenantReadOnlyViewSet):
    """Pros a homeowner can find, best rank first; a pro's public profile with its services.

    The list pages through the first 1,000 pros in rank order and counts no further
    (``count_is_exact`` says whether more exist): a homeowner narrows a big marketplace by
    category and postal code rather than paging past the thousandth pro, and no request
    counts or skips tens of thousands of rows."""

    queryset = Pro.objects.all()
    pagination_class = CappedCountPagination
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get_serializer_class(self):
        return s.PublicProListOutput if self.action == "list" else s.PublicProDetailOutput

    def scope_queryset(self, queryset):
        marketplace = self.request.marketplace
        if self.action != "list":
            return selectors.pro_public_detail_queryset(marketplace=marketplace, queryset=queryset)
        params = self.request.query_params
        category = None
        if params.get("category", "").strip():
            category = selectors.category_resolve(marketplace=marketplace, value=params["category"])
        area = None
        if params.get("postal_code", "").strip():
            try:
                area = area_code_for(marketplace.postal_scheme, params["postal_code"])
            except InvalidPostalCode as exc:
                raise Invalid("invalid_postal_code", str(exc), fields={"postal_code": [str(exc)]}) from None
        return selectors.pro_public_list(marketplace=marketplace, category=category, area=area, queryset=queryset)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "retrieve" and "pk" in self.kwargs:
            pro_id = self.kwargs["pk"]
            if str(pro_id).isdigit():
                context["recent_reviews"] = selectors.review_recent(
                    marketplace=self.request.marketplace, pro_id=int(pro_id)
                )
        return context


class OwnProfileView(MarketplaceContextMixin, TenantGenericAPIView):
    """The signed-in pro's own business profile."""

    queryset = Pro.objects.all()
    permission_classes = [IsProMember]
    serializer_class = s.ProProfileOutput

    def scope_queryset(self, queryset):
        return queryset.filter(pk=self.request.user.pro_id)

    def get_object(self):
        return get_object_or_404(self.get_queryset())

    @extend_schema(responses={200: s.ProProfileOutput})
    def get(self, request):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=s.ProProfileInput, responses={200: s.ProProfileOutput})
    def patch(self, request):
        pro = self.get_object()
        data = s.ProProfileInput(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        pro = services.pro_profile_update(pro=pro, actor=request.user, changes=dict(data.validated_data))
        return Response(self.get_serializer(pro).data)


class OwnServiceViewSet(
    MarketplaceContextMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    TenantGenericViewSet,
):
    """The signed-in pro's services. Another pro's service answers 404."""

    queryset = Service.objects.all()
    permission_classes = [IsProMember]
    serializer_class = s.ServiceOutput
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scope_queryset(self, queryset):
        return (
            queryset.filter(pro_id=self.request.user.pro_id).select_related("category").order_by("-created_at", "-pk")
        )

    @extend_schema(request=s.ServiceInput, responses={201: s.ServiceOutput})
    def create(self, request):
        data = s.ServiceInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        pro = get_object_or_404(Pro, pk=request.user.pro_id, marketplace=request.marketplace)
        service = services.service_create(pro=pro, actor=request.user, data=data.to_model_fields())
        return Response(self.get_serializer(service).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ServiceInput, responses={200: s.ServiceOutput})
    def partial_update(self, request, pk=None):
        service = self.get_object()
        data = s.ServiceInput(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        service = services.service_update(service=service, actor=request.user, data=data.to_model_fields())
        return Response(self.get_serializer(service).data)

    def perform_destroy(self, instance):
        services.service_delete(service=instance, actor=self.request.user)


class ReviewCreateView(MarketplaceContextMixin, TenantGenericAPIView):
    """A homeowner reviews a pro it really connected with (hired it, got its auto-quote, or the
    pro paid to answer); one review per homeowner and pro, a second submission edits it."""

    queryset = Review.objects.all()
    permission_classes = [IsHomeowner]
    serializer_class = s.ReviewOutput

    def scope_queryset(self, queryset):
        return queryset.filter(homeowner=self.request.user)

    @extend_schema(
        request=s.ReviewInput,
        responses={201: s.ReviewOutput, 200: s.ReviewOutput},
        description="One review per homeowner and pro: the first is created (201), a later one edits it (200).",
    )
    def post(self, request):
        data = s.ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        pro = Pro.objects.filter(
            marketplace=request.marketplace, pk=data.validated_data["pro"], suspended=False
        ).first()
        if pro is None:
            raise Invalid("unknown_pro", _("No such pro in this marketplace."), fields={"pro": [_("Unknown pro.")]})
        review, created = services.review_submit(
            homeowner=request.user,
            pro=pro,
            rating=data.validated_data["rating"],
            comment=data.validated_data.get("comment", ""),
        )
        return Response(s.ReviewOutput(review).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={200: s.ReviewOutput(many=True)})
    def get(self, request):
        """The homeowner's own reviews, newest first."""
        queryset = self.get_queryset().select_related("homeowner").order_by("-created_at", "-pk")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.ReviewOutput(page, many=True).data)


class StaffProViewSet(MarketplaceContextMixin, TenantReadOnlyViewSet):
    """Staff: every pro of the marketplace (suspended and paused included); change tier,
    pause and suspension."""

    queryset = Pro.objects.all()
    permission_classes = [IsMarketplaceStaff]
    serializer_class = s.StaffProOutput
    pagination_class = CappedCountPagination
    http_method_names = ["get", "patch", "head", "options"]

    def scope_queryset(self, queryset):
        queryset = queryset.order_by("-created_at", "-pk")
        params = self.request.query_params
        for flag in ("paused", "suspended"):
            if params.get(flag) in ("true", "false"):
                queryset = queryset.filter(**{flag: params[flag] == "true"})
        if params.get("tier"):
            queryset = queryset.filter(tier=params["tier"])
        return queryset

    @extend_schema(request=s.StaffProInput, responses={200: s.StaffProOutput})
    def partial_update(self, request, pk=None):
        pro = self.get_object()
        data = s.StaffProInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        pro = services.pro_staff_update(pro=pro, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(pro).data)
