"""The tracked contact endpoints: lean views for GET/HEAD, documented by the DRF classes.

The busiest routes the product serves, so ``marketplace/urls.py`` includes them first under
``api/v1/``: a click resolves without trying (and failing) every other app's routes first.
No other route matches their paths, so the order changes nothing else.
"""

from django.urls import path

from connections.api import clicks, views
from connections.api.clicks import lean_view

urlpatterns = [
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
]
