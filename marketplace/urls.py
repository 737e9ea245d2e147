from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from health_check.views import HealthCheckView

from marketplace.observability import metrics_view

handler400 = "marketplace.api.errors.json_400"
handler403 = "marketplace.api.errors.json_403"
handler404 = "marketplace.api.errors.json_404"
handler500 = "marketplace.api.errors.json_500"

# Each app adds its routes to api/v1 through its own api/urls.py.
api_v1 = [
    path("", include("connections.api.tracked_urls")),  # first: the busiest routes (their module says why)
    path("", include("marketplace.api.urls")),
    path("", include("pros.api.urls")),
    path("", include("leads.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("connections.api.urls")),
    path("", include("ranking.api.urls")),
    path("", include("push.api.urls")),
    path("", include("hours.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path(
        "health/",
        HealthCheckView.as_view(checks=["health_check.checks.Database", "health_check.checks.Cache"]),
        name="health",
    ),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),  # staff / token / allow-list only
]
