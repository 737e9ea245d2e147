from django.urls import path
from rest_framework.routers import SimpleRouter

from push.api import views

router = SimpleRouter()
router.register("me/devices", views.DeviceViewSet, basename="me-device")

urlpatterns = [
    path(
        "me/notification-preferences/", views.NotificationPreferencesView.as_view(), name="me-notification-preferences"
    ),
    *router.urls,
]
