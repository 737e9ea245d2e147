"""A route that fails with a bug (500), for the error-reporting test."""

from django.urls import path
from rest_framework.permissions import AllowAny

from marketplace.api.base import MarketplaceAPIView


class FailingView(MarketplaceAPIView):
    permission_classes = [AllowAny]

    def post(self, request):
        raise RuntimeError("a bug")


urlpatterns = [path("boom/", FailingView.as_view())]
