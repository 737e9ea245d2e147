import datetime as dt

from django.contrib import admin
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from connections.charts import stacked_bar_svg
from connections.models import ConnectionDaily, ConnectionEvent, ConnectionSettings
from connections.selectors import (
    KINDS,
    Bucket,
    DateRange,
    connection_pro_totals,
    connection_series,
)
from marketplace.admin_base import ReadOnlyTenantAdmin, TenantAdmin, admin_marketplace_id, is_marketplace_staff
from marketplace.localtime import local_today
from marketplace.models import Marketplace

OVERVIEW_DAYS = (30, 90, 365)


@admin.register(ConnectionDaily)
class ConnectionDailyAdmin(ReadOnlyTenantAdmin):
    """Daily counts per pro; the overview page adds per-pro totals and the chart."""

    change_list_template = "admin/connections/connectiondaily/change_list.html"
    list_display = ["day", "pro", "kind", "source", "count"]
    list_filter = ["kind", "day"]
    search_fields = ["pro__name", "source"]
    autocomplete_fields = ["pro"]
    list_select_related = ["pro"]
    date_hierarchy = "day"
    ordering = ["-day", "pro"]

    def get_urls(self):
        return [
            path("overview/", self.admin_site.admin_view(self.overview_view), name="connections_overview"),
            *super().get_urls(),
        ]

    def overview_view(self, request):
        if not is_marketplace_staff(request):
            raise Http404
        marketplace = self._marketplace(request)
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in OVERVIEW_DAYS else 30
        end = local_today(marketplace=marketplace)
        period = DateRange(end - dt.timedelta(days=days - 1), end)
        bucket = Bucket.DAY if days <= 90 else Bucket.WEEK
        series = connection_series(marketplace=marketplace, period=period, bucket=bucket)
        pros = list(connection_pro_totals(marketplace=marketplace, start=period.start, end=period.end)[:100])
        context = {
            **self.admin_site.each_context(request),
            "title": f"Connections of {marketplace.name}",
            "opts": self.model._meta,
            "marketplace": marketplace,
            "marketplaces": Marketplace.objects.all() if admin_marketplace_id(request) is None else [],
            "period": period,
            "days": days,
            "day_choices": OVERVIEW_DAYS,
            "bucket": bucket,
            "chart": stacked_bar_svg(series),
            "kinds": KINDS,
            "pro_rows": [{**row, "kind_counts": [row[kind] or 0 for kind in KINDS]} for row in pros],
            "changelist_url": reverse("admin:connections_connectiondaily_changelist"),
        }
        return TemplateResponse(request, "admin/connections/overview.html", context)

    def _marketplace(self, request) -> Marketplace:
        marketplace_id = admin_marketplace_id(request)
        if marketplace_id is not None:
            return Marketplace.objects.get(pk=marketplace_id)
        chosen = request.GET.get("marketplace", "")
        queryset = Marketplace.objects.order_by("slug")
        marketplace = queryset.filter(pk=chosen).first() if chosen.isdigit() else queryset.first()
        if marketplace is None:
            raise Http404
        return marketplace


@admin.register(ConnectionEvent)
class ConnectionEventAdmin(ReadOnlyTenantAdmin):
    list_display = ["occurred_at", "pro", "kind", "source", "medium", "campaign", "lead"]
    list_filter = ["kind"]
    search_fields = ["pro__name", "source", "campaign"]
    list_select_related = ["pro", "lead"]
    autocomplete_fields = ["pro", "lead"]
    date_hierarchy = "occurred_at"
    ordering = ["-occurred_at"]


@admin.register(ConnectionSettings)
class ConnectionSettingsAdmin(TenantAdmin):
    list_display = ["marketplace", "raw_event_retention_days", "max_range_days"]
    one_per_marketplace = True  # a second row was a 500 behind a visible "Add" link
