"""Base API classes. Every /api/v1/ endpoint subclasses one of them.

They resolve the marketplace (404 when unknown), authenticate within it, honour
``Idempotency-Key`` on POST, and — for model endpoints — scope every queryset to the
marketplace before the subclass narrows it further. Subclasses implement
``scope_queryset(queryset)``; they never override ``get_queryset``.
"""

from typing import TYPE_CHECKING, Any

import structlog
from django.db import InterfaceError, OperationalError
from django.db.models import Model, QuerySet
from rest_framework import generics, mixins, viewsets
from rest_framework.views import APIView

from marketplace.api.idempotency import idempotency_claim, idempotency_complete
from marketplace.api.request import MarketplaceRequest
from marketplace.db_routers import replica_failed_mid_request
from marketplace.i18n import activate_for_request
from marketplace.tenancy import marketplace_from_request


class MarketplaceAPIView(APIView):
    """An endpoint of one marketplace (named by the X-Marketplace header or host)."""

    request: MarketplaceRequest
    idempotent_methods: tuple[str, ...] = ("POST",)

    def initial(self, request, *args, **kwargs):
        activate_for_request(request._request)  # Accept-Language as this product reads it
        marketplace = marketplace_from_request(request._request)
        request._request.marketplace = marketplace  # read as MarketplaceRequest.marketplace
        activate_for_request(request._request)  # Accept-Language, else the marketplace's language
        # Logs and error reports of this request (and the tasks it queues) name the marketplace.
        structlog.contextvars.bind_contextvars(marketplace=marketplace.slug)
        super().initial(request, *args, **kwargs)
        self._idempotency_record = None
        if request.method in self.idempotent_methods:
            self._idempotency_record = idempotency_claim(request)

    def perform_authentication(self, request):
        super().perform_authentication(request)
        activate_for_request(request._request, user=request.user)  # the user's saved language first

    def handle_exception(self, exc):
        if isinstance(exc, OperationalError | InterfaceError) and replica_failed_mid_request():
            # The read replica went away during this GET: run it again on the primary.
            handler = getattr(self, (self.request.method or "get").lower())
            try:
                return handler(self.request, *self.args, **self.kwargs)
            except Exception as again:  # noqa: BLE001 - answered like any error of the view
                return self.handle_exception(again)
        try:
            return super().handle_exception(exc)
        except Exception:
            # An unhandled error is no answer to replay: release the key for a retry.
            record = getattr(self, "_idempotency_record", None)
            if record is not None:
                self._idempotency_record = None
                record.delete()
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        record = getattr(self, "_idempotency_record", None)
        if record is not None:
            self._idempotency_record = None
            idempotency_complete(record, response)
        return super().finalize_response(request, response, *args, **kwargs)


if TYPE_CHECKING:
    _ScopedBase = generics.GenericAPIView
else:
    _ScopedBase = object


class TenantScopedMixin(_ScopedBase):
    """Scopes the model queryset to the request's marketplace before anything else."""

    request: MarketplaceRequest
    tenant_model: type[Model] | None = None  # the model whose rows this endpoint serves

    def get_queryset(self) -> QuerySet[Any]:
        model = self.tenant_model or (self.queryset.model if self.queryset is not None else None)
        if model is None:
            raise TypeError(f"{type(self).__name__} needs a queryset or a tenant_model")
        base = model._default_manager.filter(marketplace=self.request.marketplace)
        return self.scope_queryset(base)

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset


class TenantGenericAPIView(TenantScopedMixin, MarketplaceAPIView, generics.GenericAPIView):
    pass


class TenantGenericViewSet(TenantScopedMixin, MarketplaceAPIView, viewsets.GenericViewSet):
    pass


class TenantReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    pass


class PlatformAPIViewUnscoped(APIView):
    """LOUD escape hatch: an endpoint outside any marketplace (e.g. the payment provider's
    webhook, which names its marketplace in the signed payload). Use only with a reason."""
