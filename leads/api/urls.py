from django.urls import path
from rest_framework.routers import SimpleRouter

from leads.api import confirm, disputes, interest, views

router = SimpleRouter()
router.register("quote-requests", views.QuoteRequestViewSet, basename="quote-request")
router.register("pro/leads", views.ProLeadViewSet, basename="pro-lead")
router.register("pro/notifications", views.NotificationViewSet, basename="pro-notification")

urlpatterns = [
    path("pro/leads/export.csv", views.LeadExportView.as_view(), name="pro-leads-export"),
    path("pro/leads/<int:pk>/dispute/", disputes.LeadDisputeView.as_view(), name="pro-lead-dispute"),
    path("quote-requests/<int:pk>/interests/", interest.RequestInterestsView.as_view(), name="quote-request-interests"),
    path("quote-requests/<int:pk>/connect/", interest.RequestConnectView.as_view(), name="quote-request-connect"),
    path("quote-requests/<int:pk>/confirm/", confirm.QuoteRequestConfirmView.as_view(), name="quote-request-confirm"),
    *router.urls,
]
