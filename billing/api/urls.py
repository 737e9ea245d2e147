from django.urls import path
from rest_framework.routers import SimpleRouter

from billing.api import payments, views

router = SimpleRouter()
router.register("pro/billing/charges", views.ChargeViewSet, basename="pro-charge")
router.register("pro/billing/refunds", payments.RefundViewSet, basename="pro-refund")
router.register("pro/billing/disputes", payments.DisputeViewSet, basename="pro-dispute")

urlpatterns = [
    path("pro/billing/payment-method/", views.PaymentMethodView.as_view(), name="pro-payment-method"),
    path("pro/billing/statement.csv", views.StatementExportView.as_view(), name="pro-billing-statement"),
    path("pro/billing/setup-intent/", payments.SetupIntentView.as_view(), name="pro-setup-intent"),
    path("billing/stripe/webhook/", payments.StripeWebhookView.as_view(), name="stripe-webhook"),
    *router.urls,
]
