from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from marketplace.api.base import MarketplaceAPIView, TenantGenericViewSet
from push import selectors, services
from push.api.serializers import DeviceInput, DeviceOutput, PreferencesInput, PreferencesOutput
from push.models import Device


class DeviceViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, TenantGenericViewSet):
    """The signed-in user's push devices. Another user's device answers 404."""

    permission_classes = [IsAuthenticated]
    queryset = Device.objects.all()
    serializer_class = DeviceOutput

    def scope_queryset(self, queryset):
        return selectors.devices_of(queryset, user=self.request.user)

    @extend_schema(request=DeviceInput, responses={200: DeviceOutput, 201: DeviceOutput})
    def create(self, request):
        data = DeviceInput(data=request.data)
        data.is_valid(raise_exception=True)
        device, created = services.device_register(user=request.user, **data.validated_data)
        return Response(DeviceOutput(device).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def perform_destroy(self, instance):
        services.device_delete(device=instance)


class NotificationPreferencesView(MarketplaceAPIView):
    """Channels per event (push, e-mail; on unless turned off), quiet hours for push and
    e-mail, and the opt-in to every lead at once. The in-app feed always gets everything."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: PreferencesOutput})
    def get(self, request):
        return Response(PreferencesOutput(services.settings_for(request.user)).data)

    @extend_schema(request=PreferencesInput, responses={200: PreferencesOutput})
    def patch(self, request):
        data = PreferencesInput(data=request.data, context={"current": services.settings_for(request.user)})
        data.is_valid(raise_exception=True)
        updated = services.settings_update(user=request.user, **data.validated_data)
        return Response(PreferencesOutput(updated).data)
