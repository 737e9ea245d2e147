from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from console.admin_tools import admin_list_link
from console.audit import changed_values, staff_action_record
from console.models import StaffActionKind
from marketplace.admin_base import PlatformOnlyAdmin, TenantAdmin, admin_marketplace_id, is_marketplace_staff
from marketplace.models import IdempotencyRecord, Marketplace, MarketplacePolicy, Role, User


class PolicyInline(admin.StackedInline):
    model = MarketplacePolicy
    can_delete = False
    min_num = 1
    max_num = 1

    # Rights follow the role: staff edit their marketplace's rulebook.
    def has_view_permission(self, request, obj=None):
        return is_marketplace_staff(request)

    def has_change_permission(self, request, obj=None):
        return is_marketplace_staff(request)

    def has_add_permission(self, request, obj=None):
        return is_marketplace_staff(request)

    def has_delete_permission(self, request, obj=None):
        return False

    fieldsets = [
        (
            _("Rule families"),
            {
                "fields": [
                    "matched_leads_enabled",
                    "promotion_service_enabled",
                    "response_rate_demotion_enabled",
                    "members_only_contact_display",
                ]
            },
        ),
        (
            _("Leads"),
            {
                "fields": [
                    "new_lead_ttl_hours",
                    "matched_lead_ttl_hours",
                    "matched_fanout",
                    "matched_capacity",
                    "star_score_threshold",
                    "matched_required_tier",
                    "duplicate_window_hours",
                    "pay_on_mutual_interest",
                    "interest_ttl_hours",
                ]
            },
        ),
        (_("Contact fees (minor units)"), {"fields": ["fee_new", "fee_matched", "fee_promotion"]}),
        (
            _("Response rate"),
            {
                "fields": [
                    "response_rate_threshold",
                    "response_window_days",
                    "response_min_sample",
                    "demotion_factor",
                ]
            },
        ),
        (_("Connections and disputes"), {"fields": ["click_dedupe_minutes", "dispute_window_days"]}),
    ]


@admin.register(Marketplace)
class MarketplaceAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "currency", "time_zone", "postal_scheme", "is_active"]
    search_fields = ["slug", "name"]
    inlines = [PolicyInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        marketplace_id = admin_marketplace_id(request)
        return queryset if marketplace_id is None else queryset.filter(pk=marketplace_id)

    def get_readonly_fields(self, request, obj=None):
        # Staff edit their rulebook; identity and money settings are the platform's.
        if admin_marketplace_id(request) is None:
            return []
        return ["slug", "currency", "postal_scheme", "domain", "is_active"]

    def has_module_permission(self, request):
        return is_marketplace_staff(request)

    def has_view_permission(self, request, obj=None):
        return is_marketplace_staff(request)

    def has_change_permission(self, request, obj=None):
        return is_marketplace_staff(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    def save_related(self, request, form, formsets, change):
        """A change to the rulebook (fees, thresholds, rule families) is audited, before and after."""
        fields = [f.name for f in MarketplacePolicy._meta.concrete_fields if f.name not in ("id", "marketplace")]
        before = MarketplacePolicy.objects.filter(marketplace=form.instance).values(*fields).first() or {}
        super().save_related(request, form, formsets, change)
        policy = MarketplacePolicy.objects.filter(marketplace=form.instance).first()
        if policy is None or not before:
            return
        old, new = changed_values(before, {name: getattr(policy, name) for name in fields})
        if new:
            staff_action_record(
                actor=request.user,
                obj=form.instance,
                marketplace_id=form.instance.pk,
                kind=StaffActionKind.POLICY_CHANGED,
                before=old,
                after=new,
                admin_history=False,
            )


class StaffUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["email", "name", "role"]


@admin.register(User)
class UserAdmin(TenantAdmin, DjangoUserAdmin):
    add_form = StaffUserCreationForm
    ordering = ["email"]
    list_display = ["email", "name", "role", "marketplace", "pro", "is_active", "date_joined", "last_login"]
    list_filter = ["role", "is_active", ("date_joined", admin.DateFieldListFilter)]
    search_fields = ["email", "name", "pro__name"]
    list_select_related = ["marketplace", "pro"]
    readonly_fields = ["last_login", "date_joined", "pro", "related_records"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name", "marketplace", "role", "pro", "related_records"]}),
        (_("Access"), {"fields": ["is_active", "is_staff"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "marketplace", "role", "password1", "password2"]})
    ]

    @admin.display(description=_("related records"))
    def related_records(self, user):
        if user.pk is None:
            return "—"
        if user.role == Role.PRO and user.pro_id:
            return admin_list_link("pros_pro", _("Pro: %(pro)s") % {"pro": user.pro}, id__exact=user.pro_id)
        return admin_list_link("leads_quoterequest", _("Quote requests"), homeowner__id__exact=user.pk)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if admin_marketplace_id(request) is not None:
            return [
                (title, {**opts, "fields": [f for f in opts["fields"] if f not in ("marketplace", "is_staff")]})
                for title, opts in fieldsets
            ]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.role == Role.PRO:
            readonly.append("role")  # a pro member belongs to its business; it stays a pro member
        return readonly

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            # Pro members are made by pro registration, which creates their business with them.
            hidden = {Role.PRO} if admin_marketplace_id(request) is None else {Role.PRO, Role.PLATFORM}
            kwargs["choices"] = [(r.value, r.label) for r in Role if r not in hidden]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.is_staff = obj.role in (Role.STAFF, Role.PLATFORM)
        obj.is_superuser = obj.role == Role.PLATFORM and request.user.is_superuser
        super().save_model(request, obj, form, change)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(PlatformOnlyAdmin):
    """An internal table (replayed API responses): platform superusers only."""

    list_display = ["key", "method", "path", "status_code", "user", "created_at"]
    search_fields = ["key", "path"]
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
