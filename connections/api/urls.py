from django.urls import path

from connections.api import views

urlpatterns = [
    path("pros/<int:pk>/phone/", views.ProPhoneView.as_view(), name="pro-phone"),
    path("pros/<int:pk>/website/", views.ProWebsiteView.as_view(), name="pro-website"),
    path("links/website/<str:token>/", views.SignedWebsiteLinkView.as_view(), name="tracked-link-website"),
    path("links/phone/<str:token>/", views.SignedPhoneLinkView.as_view(), name="tracked-link-phone"),
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
