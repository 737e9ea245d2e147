"""Admin base for tenant-owned models: marketplace staff see and change only their own rows.

Staff rights come from the role, not from Django's per-model permission table: a
marketplace's staff run their marketplace; platform superusers run every marketplace.
"""

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError

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
    # False: rows made only by the product (requests, leads, disputes): no add page for anyone.
    addable = True
    # One row per marketplace (settings, weights): no "Add" once the marketplace has its row.
    one_per_marketplace = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        marketplace_id = admin_marketplace_id(request)
        if marketplace_id is None:
            return queryset
        return queryset.filter(**{f"{self.tenant_field}_id": marketplace_id})

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if admin_marketplace_id(request) is None:
            if self.tenant_field == "marketplace" and any(f.name == "marketplace" for f in self.opts.fields):
                filters.insert(0, "marketplace")
            return filters
        # Django's related-field filter lists every row of the related table, other
        # marketplaces' included: staff get the choices found in their own rows only.
        return [self._scoped_filter(spec) for spec in filters]

    def _scoped_filter(self, spec):
        if not isinstance(spec, str):
            return spec
        try:
            field = get_fields_from_path(self.model, spec)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return spec
        if field.is_relation and field.related_model is not None:
            return (spec, admin.RelatedOnlyFieldListFilter)
        return spec

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if admin_marketplace_id(request) is None or self.tenant_field != "marketplace":
            return fieldsets
        # The marketplace is not on a staff form (it is theirs): a fieldset naming it is a KeyError.
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f != "marketplace"]})
            for title, options in fieldsets
            if [f for f in options["fields"] if f != "marketplace"]
        ]

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

            def add_error(self, field, error):
                # A uniqueness error on the marketplace ("this marketplace already has one")
                # belongs to the whole form: the field is not on it.
                if field is not None and field not in self.fields:
                    field = None
                if field is None and hasattr(error, "error_dict"):
                    merged: dict[str, list] = {}
                    for name, errors in error.error_dict.items():
                        merged.setdefault(name if name in self.fields else NON_FIELD_ERRORS, []).extend(errors)
                    error = ValidationError(merged)
                super().add_error(field, error)

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
        marketplace_id = admin_marketplace_id(request)
        if not self.addable or not is_marketplace_staff(request):
            return False
        if not (self.staff_can_add or marketplace_id is None):
            return False
        if self.one_per_marketplace and marketplace_id is not None:
            return not self.model._default_manager.filter(marketplace_id=marketplace_id).exists()
        return True

    def has_delete_permission(self, request, obj=None):
        return is_marketplace_staff(request) and (self.staff_can_delete or request.user.is_superuser)


class ReadOnlyTenantAdmin(TenantAdmin):
    """Money and audit rows: visible, never edited or deleted through the admin."""

    def get_fields(self, request, obj=None):
        # Every column, the automatic ones (created_at, completed_at) included, then the
        # admin's computed displays.
        if self.fields or self.fieldsets:
            return super().get_fields(request, obj)
        names = [f.name for f in self.opts.concrete_fields if f.name != "marketplace" and not f.primary_key]
        return [*names, *(name for name in self.readonly_fields if name not in names)]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def is_platform_admin(request) -> bool:
    return is_marketplace_staff(request) and admin_marketplace_id(request) is None


class PlatformOnlyAdmin(ReadOnlyTenantAdmin):
    """Internal tables (idempotency records, provider events): platform superusers only."""

    def has_module_permission(self, request):
        return is_platform_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_platform_admin(request)


class TenantInline(admin.TabularInline):
    """Inline rows of a tenant parent, with the parent admin's role-based rights (Django's
    per-model permission table is not how staff get rights, so inlines must say it too);
    foreign-key choices scoped to the staff member's marketplace."""

    extra = 0
    exclude = ("marketplace",)

    def has_view_permission(self, request, obj=None):
        return is_marketplace_staff(request)

    def has_change_permission(self, request, obj=None):
        return is_marketplace_staff(request)

    def has_add_permission(self, request, obj=None):
        return is_marketplace_staff(request)

    def has_delete_permission(self, request, obj=None):
        return is_marketplace_staff(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        marketplace_id = admin_marketplace_id(request)
        related = db_field.related_model
        if marketplace_id is not None and any(f.name == "marketplace" for f in related._meta.concrete_fields):
            kwargs["queryset"] = related._default_manager.filter(marketplace_id=marketplace_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyInline(TenantInline):
    """Related records shown on a parent's page: visible, linked, never edited there."""

    can_delete = False
    show_change_link = True
    max_num = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [*self.get_fields(request, obj)]
