from django.urls import path

from connections.api import views

# The tracked contact endpoints are in tracked_urls.py (included first, marketplace/urls.py).
urlpatterns = [
    path("pro/connections/", views.OwnConnectionsView.as_view(), name="pro-connections"),
    path("pro/connections/export.csv", views.OwnConnectionsExportView.as_view(), name="pro-connections-export"),
    path("staff/connections/", views.StaffConnectionsView.as_view(), name="staff-connections"),
    path("staff/connections/export.csv", views.StaffConnectionsExportView.as_view(), name="staff-connections-export"),
    path("staff/pros/<int:pk>/connections/", views.StaffProConnectionsView.as_view(), name="staff-pro-connections"),
    path(
        "staff/pros/<int:pk>/connections/export.csv",
        views.StaffProConnectionsExportView.as_view(),
        name="staff-pro-connections-export",
    ),
]
