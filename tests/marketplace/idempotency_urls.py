"""A URLconf exercising the API conventions on a minimal create endpoint."""

from django.urls import path
from rest_framework import serializers, status
from rest_framework.response import Response

from marketplace.api.base import MarketplaceAPIView
from marketplace.errors import Conflict
from pros.services import pro_create


class CreateProInput(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    fail_with = serializers.IntegerField(required=False)


class CreateProView(MarketplaceAPIView):
    def post(self, request):
        data = CreateProInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data.get("fail_with") == 409:
            raise Conflict("conflict_for_test", "A business-rule refusal.")
        if data.validated_data.get("fail_with") == 500:
            raise RuntimeError("a crash inside the view")
        pro = pro_create(marketplace=request.marketplace, name=data.validated_data["name"])
        return Response({"id": pro.pk, "name": pro.name}, status=status.HTTP_201_CREATED)


urlpatterns = [path("api/v1/things/", CreateProView.as_view())]
