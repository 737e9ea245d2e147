from django.urls import path

from connections.api import clicks, views
from connections.api.clicks import lean_view

urlpatterns = [
    # The tracked contact endpoints: lean views for GET/HEAD, documented by the DRF classes.
    path("pros/<int:pk>/phone/", lean_view(clicks.pro_phone, views.ProPhoneView), name="pro-phone"),
    path("pros/<int:pk>/website/", lean_view(clicks.pro_website, views.ProWebsiteView), name="pro-website"),
    path(
        "links/website/<str:token>/",
        lean_view(clicks.website_link, views.SignedWebsiteLinkView),
        name="tracked-link-website",
    ),
    path(
        "links/phone/<str:token>/", lean_view(clicks.phone_link, views.SignedPhoneLinkView), name="tracked-link-phone"
    ),
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
