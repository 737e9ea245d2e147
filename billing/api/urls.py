from django.urls import path
from rest_framework.routers import SimpleRouter

from billing.api import views

router = SimpleRouter()
router.register("pro/billing/charges", views.ChargeViewSet, basename="pro-charge")

urlpatterns = [
    path("pro/billing/payment-method/", views.PaymentMethodView.as_view(), name="pro-payment-method"),
    *router.urls,
]
