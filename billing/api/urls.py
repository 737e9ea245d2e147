from django.urls import path
from rest_framework.routers import SimpleRouter

from billing.api import credits, email, payments, test_mode, views, wallet

router = SimpleRouter()
router.register("pro/billing/charges", views.ChargeViewSet, basename="pro-charge")
router.register("pro/billing/refunds", payments.RefundViewSet, basename="pro-refund")
router.register("pro/billing/disputes", payments.DisputeViewSet, basename="pro-dispute")
router.register("pro/wallet/top-ups", wallet.TopUpViewSet, basename="pro-top-up")
router.register("pro/billing/credits", credits.ProCreditViewSet, basename="pro-credit")
router.register("pro/wallet/entries", wallet.WalletEntryViewSet, basename="pro-wallet-entry")

urlpatterns = [
    path("pro/wallet/", wallet.WalletView.as_view(), name="pro-wallet"),
    path("pro/wallet/auto-top-up/", wallet.AutoTopUpView.as_view(), name="pro-wallet-auto-top-up"),
    path("billing/email/bounce/", email.EmailBounceView.as_view(), name="email-bounce-webhook"),
    path(
        "staff/billing/charges/<int:pk>/credit/",
        credits.StaffChargeCreditView.as_view(),
        name="staff-charge-credit",
    ),
    path(
        "staff/billing/pros/<int:pk>/wallet-refund/",
        credits.StaffWalletRefundView.as_view(),
        name="staff-pro-wallet-refund",
    ),
    path(
        "staff/billing/credits/by-reason/", credits.StaffCreditsByReasonView.as_view(), name="staff-credits-by-reason"
    ),
    path("pro/billing/payment-method/", views.PaymentMethodView.as_view(), name="pro-payment-method"),
    path("pro/billing/statement.csv", views.StatementExportView.as_view(), name="pro-billing-statement"),
    path("pro/billing/setup-intent/", payments.SetupIntentView.as_view(), name="pro-setup-intent"),
    path("billing/stripe/webhook/", payments.StripeWebhookView.as_view(), name="stripe-webhook"),
    path(
        "billing/test-mode/setup-intents/confirm/",
        test_mode.SetupIntentConfirmView.as_view(),
        name="test-mode-setup-intent-confirm",
    ),
    path(
        "billing/test-mode/payment-intents/confirm/",
        test_mode.PaymentIntentConfirmView.as_view(),
        name="test-mode-payment-intent-confirm",
    ),
    *router.urls,
]
