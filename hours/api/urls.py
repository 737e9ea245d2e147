from django.urls import path
from rest_framework.routers import SimpleRouter

from hours.api import views

router = SimpleRouter()
router.register("pro/vacations", views.VacationViewSet, basename="pro-vacation")

urlpatterns = [
    path("pro/working-hours/", views.WorkingHoursView.as_view(), name="pro-working-hours"),
    *router.urls,
]
