"""A URLconf for testing the route walker itself: one leaky endpoint, one scoped one."""

from django.urls import path
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from marketplace.api.base import TenantGenericAPIView
from pros.models import Pro


class ProName(serializers.ModelSerializer):
    class Meta:
        model = Pro
        fields = ["id", "name"]


class ScopedProView(TenantGenericAPIView, generics.RetrieveAPIView):
    queryset = Pro.objects.all()
    serializer_class = ProName
    permission_classes = [AllowAny]


class LeakyProView(generics.RetrieveAPIView):
    """What the base classes exist to prevent: a queryset that ignores the marketplace."""

    queryset = Pro.objects.all()
    serializer_class = ProName
    permission_classes = [AllowAny]
    authentication_classes: list = []


urlpatterns = [
    path("api/v1/scoped/<int:pk>/", ScopedProView.as_view()),
    path("api/v1/leaky/<int:pk>/", LeakyProView.as_view()),
]
