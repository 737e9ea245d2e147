"""Admin base for tenant-owned models: marketplace staff see and change only their own rows.

Staff rights come from the role, not from Django's per-model permission table: a
marketplace's staff run their marketplace; platform superusers run every marketplace.
"""

from django.contrib import admin

from marketplace.models import Role


def admin_marketplace_id(request) -> int | None:
    """None for platform superusers (all marketplaces), else the staff member's marketplace."""
    user = request.user
    if user.is_superuser and user.role == Role.PLATFORM:
        return None
    return user.marketplace_id


def is_marketplace_staff(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.role in (Role.STAFF, Role.PLATFORM)


class TenantAdmin(admin.ModelAdmin):
    """Scoped queryset, scoped foreign-key choices, marketplace set on save."""

    tenant_field = "marketplace"
    staff_can_add = True
    staff_can_delete = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        marketplace_id = admin_marketplace_id(request)
        if marketplace_id is None:
            return queryset
        return queryset.filter(**{f"{self.tenant_field}_id": marketplace_id})

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if admin_marketplace_id(request) is None and self.tenant_field == "marketplace":
            filters.insert(0, "marketplace")
        return filters

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if admin_marketplace_id(request) is not None and self.tenant_field == "marketplace":
            exclude.append("marketplace")
        return exclude

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        marketplace_id = admin_marketplace_id(request)
        related = db_field.related_model
        if marketplace_id is not None:
            if related._meta.label == "marketplace.Marketplace":
                kwargs["queryset"] = related.objects.filter(pk=marketplace_id)
            elif any(f.name == "marketplace" for f in related._meta.concrete_fields):
                kwargs["queryset"] = related._default_manager.filter(marketplace_id=marketplace_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        marketplace_id = admin_marketplace_id(request)
        if marketplace_id is None or self.tenant_field != "marketplace":
            return form

        class StaffTenantForm(form):  # type: ignore[valid-type,misc]  # the form class Django built for this admin
            """The marketplace is not on a staff form: set it before validation, and keep it in
            the uniqueness checks (a duplicate slug in this marketplace is a form error, not a 500)."""

            def _post_clean(self):
                self.instance.marketplace_id = marketplace_id
                super()._post_clean()

            def _get_validation_exclusions(self):
                exclusions = super()._get_validation_exclusions()
                exclusions.discard("marketplace")
                return exclusions

        return StaffTenantForm

    def save_model(self, request, obj, form, change):
        marketplace_id = admin_marketplace_id(request)
        if marketplace_id is not None and self.tenant_field == "marketplace":
            obj.marketplace_id = marketplace_id
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request):
        return is_marketplace_staff(request)

    def has_view_permission(self, request, obj=None):
        return is_marketplace_staff(request)

    def has_change_permission(self, request, obj=None):
        return is_marketplace_staff(request)

    def has_add_permission(self, request):
        return is_marketplace_staff(request) and (self.staff_can_add or admin_marketplace_id(request) is None)

    def has_delete_permission(self, request, obj=None):
        return is_marketplace_staff(request) and (self.staff_can_delete or request.user.is_superuser)


class ReadOnlyTenantAdmin(TenantAdmin):
    """Money and audit rows: visible, never edited or deleted through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
