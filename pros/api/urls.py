from django.urls import path
from rest_framework.routers import SimpleRouter

from pros.api import views

router = SimpleRouter()
router.register("categories", views.CategoryViewSet, basename="category")
router.register("pros", views.PublicProViewSet, basename="pro")
router.register("pro/services", views.OwnServiceViewSet, basename="pro-service")
router.register("staff/pros", views.StaffProViewSet, basename="staff-pro")

urlpatterns = [
    path("pro/profile/", views.OwnProfileView.as_view(), name="pro-profile"),
    path("reviews/", views.ReviewCreateView.as_view(), name="reviews"),
    *router.urls,
]
