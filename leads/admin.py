from django.contrib import admin, messages

from leads.models import Lead, LeadEvent, Notification, QuoteRequest
from leads.services import leads_staff_expire, leads_staff_withdraw
from marketplace.admin_base import ReadOnlyTenantAdmin, TenantAdmin


class LeadEventInline(admin.TabularInline):
    model = LeadEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class LeadInline(admin.TabularInline):
    model = Lead
    extra = 0
    can_delete = False
    fields = ("pro", "kind", "status", "deadline", "fee_amount", "fee_currency", "responded_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QuoteRequest)
class QuoteRequestAdmin(TenantAdmin):
    list_display = ["id", "category", "source", "area", "status", "target_pro", "hired_pro", "created_at"]
    list_filter = ["source", "status"]
    search_fields = ["contact_name", "contact_email", "description"]
    # Status changes only through the lifecycle (cancel, hire, the expire and withdraw actions on leads).
    readonly_fields = [
        "homeowner",
        "category",
        "source",
        "target_pro",
        "postal_code",
        "area",
        "status",
        "hired_pro",
        "created_at",
    ]
    inlines = [LeadInline]
    staff_can_add = False


@admin.register(Lead)
class LeadAdmin(TenantAdmin):
    list_display = ["id", "request", "pro", "kind", "status", "deadline", "fee_amount", "fee_currency", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "request",
        "pro",
        "kind",
        "status",
        "deadline",
        "fee_amount",
        "fee_currency",
        "quote_message",
        "quote_price_min",
        "quote_price_max",
        "reject_reason",
        "responded_at",
        "contact_revealed_at",
        "rank_position",
        "created_at",
    ]
    inlines = [LeadEventInline]
    actions = ["expire_now", "withdraw"]
    staff_can_add = False

    @admin.action(description="Expire the selected pending leads now")
    def expire_now(self, request, queryset):
        count = leads_staff_expire(lead_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} lead(s) expired.", messages.SUCCESS)

    @admin.action(description="Withdraw the selected pending leads")
    def withdraw(self, request, queryset):
        count = leads_staff_withdraw(lead_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} lead(s) withdrawn.", messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyTenantAdmin):
    list_display = ["id", "pro", "kind", "subject", "email_status", "webhook_status", "webhook_attempts", "created_at"]
    list_filter = ["kind", "email_status", "webhook_status"]
