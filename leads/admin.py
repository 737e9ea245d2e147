"""Leads admin: requests with their leads, leads with their event history (and who made each
change), notifications. Lists filter by date, status, expiring soon and unanswered, search
phone numbers however typed, and export the filtered rows as CSV. A homeowner's own words and
contact details are shown, never editable; staff expire or withdraw leads through confirmed,
audited actions."""

import datetime as dt

from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from console.admin_tools import CsvExportMixin, PhoneSearchMixin, admin_link, money_column
from console.audit import staff_action_record
from console.models import StaffActionKind
from leads.models import Lead, LeadEvent, LeadStatus, Notification, QuoteRequest
from leads.services import leads_staff_expire, leads_staff_withdraw
from marketplace.admin_base import ReadOnlyInline, ReadOnlyTenantAdmin, TenantAdmin

CATEGORY_FILTER = ("category", admin.RelatedOnlyFieldListFilter)


class LeadEventInline(ReadOnlyInline):
    model = LeadEvent
    fields = ("created_at", "from_status", "to_status", "actor", "note")
    show_change_link = False


class LeadInline(ReadOnlyInline):
    model = Lead
    fields = ("pro", "kind", "status", "deadline", "fee", "responded_at")

    @admin.display(description=_("fee"))
    def fee(self, lead):
        from console.formatting import money_html

        return money_html(lead.fee_amount, lead.fee_currency)


class ExpiringSoonFilter(admin.SimpleListFilter):
    """Pending leads whose deadline falls in the next hours."""

    title = _("expiring soon")
    parameter_name = "expiring"
    HOURS = (1, 6, 24)

    def lookups(self, request, model_admin):
        return [(str(hours), _("in the next %(hours)s h") % {"hours": hours}) for hours in self.HOURS]

    def queryset(self, request, queryset):
        if self.value() not in {str(hours) for hours in self.HOURS}:
            return queryset
        now = timezone.now()
        return queryset.filter(
            status=LeadStatus.PENDING, deadline__gte=now, deadline__lt=now + dt.timedelta(hours=int(self.value() or 0))
        )


class AnsweredFilter(admin.SimpleListFilter):
    """Answered (accepted or rejected), waiting for an answer, or missed (expired unanswered)."""

    title = _("answered")
    parameter_name = "answered"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Answered")),
            ("waiting", _("Unanswered, still open")),
            ("missed", _("Unanswered, expired")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "yes":
            return queryset.filter(responded_at__isnull=False)
        if value == "waiting":
            return queryset.filter(status=LeadStatus.PENDING, responded_at__isnull=True)
        if value == "missed":
            return queryset.filter(status=LeadStatus.EXPIRED, responded_at__isnull=True)
        return queryset


REQUEST_READONLY = (
    "id",
    "created_at",
    "homeowner_link",
    "category",
    "source",
    "target_pro",
    "postal_code",
    "area",
    "description",
    "budget_min",
    "budget_max",
    "start_date",
    "answers",
    "contact_name",
    "contact_phone",
    "contact_email",
    "status",
    "hired_pro",
)


@admin.register(QuoteRequest)
class QuoteRequestAdmin(PhoneSearchMixin, CsvExportMixin, TenantAdmin):
    list_display = [
        "id",
        "created_at",
        "category",
        "area",
        "postal_code",
        "contact_name",
        "homeowner",
        "source",
        "status",
        "target_pro",
        "hired_pro",
    ]
    list_filter = ["status", "source", CATEGORY_FILTER, ("created_at", admin.DateFieldListFilter)]
    search_fields = [
        "=id",
        "contact_name",
        "contact_email",
        "description",
        "postal_code",
        "area",
        "homeowner__email",
        "homeowner__name",
    ]
    phone_search_fields = ("contact_phone",)
    list_select_related = ["category", "homeowner", "target_pro", "hired_pro"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    # The homeowner's own words and contact details: shown, never edited here. Status changes
    # only through the lifecycle (cancel, hire, the expire and withdraw actions on leads).
    fields = REQUEST_READONLY
    readonly_fields = REQUEST_READONLY
    inlines = [LeadInline]
    addable = False  # made by the product, never in the admin
    csv_columns = [
        ("request_id", "pk"),
        ("created_at", "created_at"),
        ("category", "category.name"),
        ("source", "source"),
        ("postal_code", "postal_code"),
        ("area", "area"),
        ("status", "status"),
        ("contact_name", "contact_name"),
        ("contact_phone", "contact_phone"),
        ("contact_email", "contact_email"),
        ("homeowner_email", "homeowner.email"),
        ("description", "description"),
        ("hired_pro", "hired_pro.name"),
    ]
    csv_select_related = ("category", "homeowner", "hired_pro")

    @admin.display(description=_("homeowner"))
    def homeowner_link(self, request):
        return admin_link(request.homeowner, request.homeowner.email)

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False


@admin.register(Lead)
class LeadAdmin(PhoneSearchMixin, CsvExportMixin, TenantAdmin):
    list_display = [
        "id",
        "created_at",
        "request_link",
        "category",
        "area",
        "homeowner",
        "pro",
        "kind",
        "status",
        "deadline",
        "fee",
        "responded_at",
    ]
    list_filter = [
        "kind",
        "status",
        ExpiringSoonFilter,
        AnsweredFilter,
        ("created_at", admin.DateFieldListFilter),
        ("deadline", admin.DateFieldListFilter),
        ("request__category", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "=id",
        "pro__name",
        "pro__members__email",
        "request__contact_name",
        "request__contact_email",
        "request__postal_code",
        "request__area",
        "request__homeowner__email",
    ]
    phone_search_fields = ("request__contact_phone", "pro__phone")
    list_select_related = ["request__category", "request__homeowner", "pro"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    readonly_fields = [
        "request_link",
        "pro_link",
        "kind",
        "status",
        "deadline",
        "fee",
        "quote_message",
        "quote_price_min",
        "quote_price_max",
        "reject_reason",
        "responded_at",
        "interest_expires_at",
        "connect_requested_at",
        "contact_revealed_at",
        "rank_position",
        "created_at",
        "charges",
    ]
    fields = tuple(readonly_fields)
    inlines = [LeadEventInline]
    actions = ["expire_now", "withdraw"]
    addable = False  # made by the product, never in the admin
    csv_columns = [
        ("lead_id", "pk"),
        ("created_at", "created_at"),
        ("request_id", "request_id"),
        ("category", "request.category.name"),
        ("area", "request.area"),
        ("pro", "pro.name"),
        ("kind", "kind"),
        ("status", "status"),
        ("deadline", "deadline"),
        ("fee_minor", "fee_amount"),
        ("currency", "fee_currency"),
        ("responded_at", "responded_at"),
        ("rank_position", "rank_position"),
    ]
    csv_select_related = ("request__category", "pro")
    fee = money_column("fee_amount", "fee_currency", _("fee"))

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description=_("request"), ordering="request")
    def request_link(self, lead):
        return admin_link(lead.request, f"Request #{lead.request_id}")

    @admin.display(description=_("pro"), ordering="pro__name")
    def pro_link(self, lead):
        return admin_link(lead.pro, lead.pro.name)

    @admin.display(description=_("category"), ordering="request__category__name")
    def category(self, lead):
        return lead.request.category.name

    @admin.display(description=_("area"), ordering="request__area")
    def area(self, lead):
        return lead.request.area

    @admin.display(description=_("homeowner"), ordering="request__contact_name")
    def homeowner(self, lead):
        return lead.request.contact_name

    @admin.display(description=_("charges"))
    def charges(self, lead):
        from django.utils.html import format_html_join

        from console.formatting import money_text

        rows = [
            (
                reverse("admin:billing_charge_change", args=[charge.pk]),
                money_text(charge.amount, charge.currency),
                charge.get_status_display(),
            )
            for charge in lead.charges.order_by("pk")
        ]
        if not rows:
            return "—"
        return format_html_join(", ", '<a href="{}">{} ({})</a>', rows)

    @admin.action(description=_("Expire the selected pending leads now"))
    def expire_now(self, request, queryset):
        done = ngettext_lazy("%(count)d lead expired.", "%(count)d leads expired.", "count")
        self._close(request, queryset, leads_staff_expire, done, StaffActionKind.LEADS_EXPIRED)

    @admin.action(description=_("Withdraw the selected pending leads"))
    def withdraw(self, request, queryset):
        done = ngettext_lazy("%(count)d lead withdrawn.", "%(count)d leads withdrawn.", "count")
        self._close(request, queryset, leads_staff_withdraw, done, StaffActionKind.LEADS_WITHDRAWN)

    def _close(self, request, queryset, close, done, kind):
        """Close the pending ones; the lead events name the staff member, and each lead moved
        gets an admin history entry and an audit row (status before and after)."""
        pending = list(queryset.filter(status=LeadStatus.PENDING))
        with transaction.atomic():
            count = close(lead_ids=[lead.pk for lead in pending], actor=request.user)
            after = dict(Lead.objects.filter(pk__in=[lead.pk for lead in pending]).values_list("pk", "status"))
            for lead in pending:
                if after.get(lead.pk) != lead.status:
                    staff_action_record(
                        actor=request.user,
                        obj=lead,
                        kind=kind,
                        before={"status": lead.status},
                        after={"status": after[lead.pk]},
                    )
        self.message_user(request, done % {"count": count}, messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyTenantAdmin):
    list_display = ["id", "created_at", "pro", "kind", "subject", "email_status", "webhook_status", "webhook_attempts"]
    list_filter = ["kind", "email_status", "webhook_status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["subject", "pro__name", "webhook_last_error"]
    list_select_related = ["pro"]
    date_hierarchy = "created_at"


@admin.register(LeadEvent)
class LeadEventAdmin(ReadOnlyTenantAdmin):
    """Every status change of every lead, with who made it (None: the system)."""

    list_display = ["created_at", "lead", "from_status", "to_status", "actor", "note"]
    list_filter = ["to_status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=lead__id", "note", "actor__email"]
    list_select_related = ["lead", "actor"]
    date_hierarchy = "created_at"
