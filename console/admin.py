from django.contrib import admin

from console.admin_tools import CsvExportMixin
from console.models import StaffAction
from marketplace.admin_base import ReadOnlyTenantAdmin


@admin.register(StaffAction)
class StaffActionAdmin(CsvExportMixin, ReadOnlyTenantAdmin):
    """The audit trail: staff actions on money, rank, tier and leads, with before and after."""

    list_display = ["created_at", "actor", "kind", "object_type", "object_repr", "before", "after", "note"]
    list_filter = ["kind", "object_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["object_repr", "object_id", "note", "actor__email"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    csv_columns = [
        ("created_at", "created_at"),
        ("actor", "actor.email"),
        ("kind", "kind"),
        ("object_type", "object_type"),
        ("object_id", "object_id"),
        ("object", "object_repr"),
        ("before", "before"),
        ("after", "after"),
        ("note", "note"),
    ]
