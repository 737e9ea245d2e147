"""Billing admin: charges and the ledger as revenue (date hierarchy, filters, totals over the
filtered rows, per-category and per-week breakdown, CSV), disputes decided with a confirmation
that shows the amounts, refunds, pro balances per period. Money reads NT$150.00 / C$30.00;
the exact minor units stay in the tooltip and the CSV. Nothing here edits money directly.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, Sum
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billing import disputes
from billing.models import (
    AutoTopUp,
    AutoTopUpChange,
    BalanceRefund,
    Charge,
    Chargeback,
    ContactCheck,
    DisputeStatus,
    EmailBounce,
    LeadCredit,
    LeadDispute,
    LedgerEntry,
    LedgerKind,
    PaymentPolicy,
    PaymentProfile,
    ProviderEvent,
    Refund,
    RefundStatus,
    TopUp,
    Wallet,
    WalletEntry,
)
from console.actions import NoteForm, confirmation
from console.admin_tools import CsvExportMixin, TotalsMixin, admin_link, money_column
from console.audit import staff_action_record
from console.charts import bar_chart_svg
from console.formatting import money_html, money_text
from console.models import StaffActionKind
from console.revenue import revenue_breakdown, week_start
from console.site import console_marketplace
from marketplace.admin_base import PlatformOnlyAdmin, ReadOnlyTenantAdmin, TenantAdmin
from marketplace.errors import DomainError
from marketplace.money import CURRENCY_EXPONENTS
from pros.models import Pro

CATEGORY_FILTER = ("lead__request__category", admin.RelatedOnlyFieldListFilter)
PRO_FILTER = ("pro", admin.RelatedOnlyFieldListFilter)
MONEY_CSV = [("amount_minor", "amount"), ("currency", "currency")]


def _marketplace_currency(request, queryset) -> str | None:
    marketplace = console_marketplace(request, required=False)
    currencies = set(queryset.values_list("currency", flat=True).distinct()[:2])
    if len(currencies) == 1:
        return currencies.pop()
    return marketplace.currency if marketplace is not None and not currencies else None


@admin.register(Charge)
class ChargeAdmin(CsvExportMixin, TotalsMixin, ReadOnlyTenantAdmin):
    list_display = [
        "id",
        "created_at",
        "pro",
        "lead_link",
        "category",
        "lead_kind",
        "amount_money",
        "status",
        "gateway",
    ]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter), "lead__kind", CATEGORY_FILTER, "gateway"]
    search_fields = ["idempotency_key", "gateway_reference", "pro__name", "pro__members__email"]
    list_select_related = ["pro", "lead__request__category"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    amount_money = money_column("amount", "currency", _("amount"))
    csv_columns = [
        ("charge_id", "pk"),
        ("created_at", "created_at"),
        ("pro", "pro.name"),
        ("lead_id", "lead_id"),
        ("category", "lead.request.category.name"),
        ("lead_kind", "lead.kind"),
        *MONEY_CSV,
        ("status", "status"),
        ("gateway", "gateway"),
        ("gateway_reference", "gateway_reference"),
    ]
    csv_select_related = ("pro", "lead__request__category")

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description=_("lead"), ordering="lead")
    def lead_link(self, charge):
        return admin_link(charge.lead, f"#{charge.lead_id}")

    @admin.display(description=_("category"), ordering="lead__request__category__name")
    def category(self, charge):
        return charge.lead.request.category.name

    @admin.display(description=_("lead kind"), ordering="lead__kind")
    def lead_kind(self, charge):
        return charge.lead.get_kind_display()

    def changelist_totals(self, request, queryset):
        currency = _marketplace_currency(request, queryset)
        if currency is None:
            return []  # several marketplaces in one list: pick one to add the amounts up
        sums = queryset.aggregate(
            succeeded=Sum("amount", filter=Q(status="succeeded"), default=0),
            pending=Sum("amount", filter=Q(status="pending"), default=0),
            failed=Sum("amount", filter=Q(status="failed"), default=0),
        )
        refunded = (
            Refund.objects.filter(charge__in=queryset.values("pk"), status=RefundStatus.SUCCEEDED).aggregate(
                total=Sum("amount", default=0)
            )["total"]
            or 0
        )
        return [
            [
                (_("Charged (succeeded)"), money_html(sums["succeeded"], currency)),
                (_("Refunded on these charges"), money_html(refunded, currency)),
                (_("Net"), money_html(sums["succeeded"] - refunded, currency)),
                (_("Pending"), money_html(sums["pending"], currency)),
                (_("Failed"), money_html(sums["failed"], currency)),
            ]
        ]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(CsvExportMixin, TotalsMixin, ReadOnlyTenantAdmin):
    list_display = ["id", "created_at", "pro", "lead_link", "category", "lead_kind", "kind", "amount_money", "memo"]
    list_filter = ["kind", ("created_at", admin.DateFieldListFilter), "lead__kind", CATEGORY_FILTER]
    search_fields = ["idempotency_key", "memo", "pro__name", "pro__members__email"]
    list_select_related = ["pro", "lead__request__category"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    amount_money = money_column("amount", "currency", _("amount"))
    csv_columns = [
        ("entry_id", "pk"),
        ("created_at", "created_at"),
        ("pro", "pro.name"),
        ("lead_id", "lead_id"),
        ("category", "lead.request.category.name"),
        ("lead_kind", "lead.kind"),
        ("kind", "kind"),
        *MONEY_CSV,
        ("memo", "memo"),
    ]
    csv_select_related = ("pro", "lead__request__category")

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    lead_link = ChargeAdmin.lead_link
    category = ChargeAdmin.category
    lead_kind = ChargeAdmin.lead_kind

    def changelist_totals(self, request, queryset):
        currency = _marketplace_currency(request, queryset)
        if currency is None:
            return []
        sums = queryset.aggregate(
            charged=Sum("amount", filter=Q(kind=LedgerKind.CHARGE), default=0),
            refunded=Sum("amount", filter=Q(kind=LedgerKind.REFUND), default=0),
            credited=Sum("amount", filter=Q(kind=LedgerKind.CREDIT), default=0),
        )
        net = sums["charged"] - sums["refunded"] - sums["credited"]
        return [
            [
                (_("Fees charged"), money_html(sums["charged"], currency)),
                (_("Refunded"), money_html(sums["refunded"], currency)),
                (_("Credited"), money_html(sums["credited"], currency)),
                (_("Net"), money_html(net, currency)),
            ]
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context["breakdown_url"] = reverse("admin:billing_ledgerentry_revenue")
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path("revenue/", self.admin_site.admin_view(self.revenue_view), name="billing_ledgerentry_revenue"),
            *super().get_urls(),
        ]

    def revenue_view(self, request):
        """Revenue per category and per local week over a range of weeks (last 8 by default)."""
        if not self.has_view_permission(request):
            raise Http404
        marketplace = console_marketplace(request)
        if marketplace is None:
            raise Http404
        today = timezone.localdate()
        try:
            weeks = min(max(int(request.GET.get("weeks", 8)), 1), 53)
        except ValueError:
            weeks = 8
        try:
            end = dt.date.fromisoformat(request.GET["end"]) if request.GET.get("end") else today
        except ValueError:
            end = today
        start = week_start(end) - dt.timedelta(weeks=weeks - 1)
        data = revenue_breakdown(marketplace=marketplace, start=start, end=end, queryset=self.get_queryset(request))
        currency = marketplace.currency

        def fmt(figures: dict) -> dict:
            return {name: money_text(figures[name], currency) for name in ("charged", "refunded", "net")}

        context = {
            **self.admin_site.each_context(request),
            "title": f"Revenue of {marketplace.name} by category and week",
            "opts": self.model._meta,
            "marketplace": marketplace,
            "start": start,
            "end": end,
            "weeks": data["weeks"],
            "week_choices": sorted({4, 8, 13, 26, 52, weeks}),
            "weeks_selected": weeks,
            "categories": [
                {
                    "name": row["name"],
                    "weeks": [fmt(figures) for figures in row["weeks"]],
                    "total": fmt(row["total"]),
                    "url": self._ledger_url(row["id"], start, end),
                }
                for row in data["categories"]
            ],
            "week_totals": [fmt(figures) for figures in data["week_totals"]],
            "total": fmt(data["total"]),
            "chart": bar_chart_svg(
                [
                    (f"{week:%m-%d}", figures["net"], money_text(figures["net"], currency))
                    for week, figures in zip(data["weeks"], data["week_totals"], strict=True)
                ],
                label="Net fees per week",
                width=720,
            ),
            "changelist_url": reverse("admin:billing_ledgerentry_changelist"),
        }
        return TemplateResponse(request, "admin/console/revenue.html", context)

    @staticmethod
    def _ledger_url(category_id, start: dt.date, end: dt.date) -> str:
        from console.dashboard import admin_list_url

        tz = timezone.get_current_timezone()
        since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
        until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        params = {"created_at__gte": since.isoformat(), "created_at__lt": until.isoformat()}
        if category_id is not None:
            params["lead__request__category__id__exact"] = category_id
        return admin_list_url("billing_ledgerentry", **params)


@admin.register(Wallet)
class WalletAdmin(ReadOnlyTenantAdmin):
    """Balances: the sum of each wallet's append-only entries (never edited here)."""

    list_display = ["pro", "balance", "currency", "updated_at"]
    search_fields = ["pro__name"]


@admin.register(WalletEntry)
class WalletEntryAdmin(ReadOnlyTenantAdmin):
    list_display = ["id", "pro", "kind", "amount", "balance_after", "currency", "lead", "top_up", "created_at"]
    list_filter = ["kind"]
    search_fields = ["pro__name", "idempotency_key"]


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyTenantAdmin):
    list_display = ["id", "pro", "amount", "currency", "status", "origin", "gateway", "failure_code", "created_at"]
    list_filter = ["status", "origin"]
    search_fields = ["pro__name", "idempotency_key", "gateway_reference"]


@admin.register(AutoTopUp)
class AutoTopUpAdmin(ReadOnlyTenantAdmin):
    """The pros' consents to automatic top-ups: read-only (only the pro gives or withdraws it)."""

    list_display = ["pro", "status", "threshold", "amount", "monthly_limit", "currency", "consented_at"]
    list_filter = ["status"]
    search_fields = ["pro__name"]


@admin.register(AutoTopUpChange)
class AutoTopUpChangeAdmin(ReadOnlyTenantAdmin):
    """Audit of the consents (append-only): who, when, what it became."""

    list_display = ["created_at", "pro", "action", "actor", "threshold", "amount", "monthly_limit", "note"]
    list_filter = ["action"]
    search_fields = ["pro__name"]


@admin.register(ContactCheck)
class ContactCheckAdmin(ReadOnlyTenantAdmin):
    """Unreachable-contact reports and how they were settled (bounce, no confirmation, confirmed)."""

    list_display = ["dispute", "lead", "email", "status", "signal", "asked_at", "confirm_by", "resolved_at"]
    list_filter = ["status", "signal"]
    search_fields = ["email"]


@admin.register(BalanceRefund)
class BalanceRefundAdmin(ReadOnlyTenantAdmin):
    """Unused credit paid back to the card (staff action, audited: who and why)."""

    list_display = ["id", "pro", "top_up", "amount", "currency", "status", "requested_by", "reason", "created_at"]
    list_filter = ["status"]


@admin.register(LeadCredit)
class LeadCreditAdmin(ReadOnlyTenantAdmin):
    """Credits granted, filterable by reason: lead quality at a glance (who granted goodwill, why)."""

    list_display = ["id", "pro", "lead", "reason", "amount", "currency", "granted_by", "memo", "created_at"]
    list_filter = ["reason"]
    search_fields = ["pro__name", "memo"]


@admin.register(PaymentPolicy)
class PaymentPolicyAdmin(TenantAdmin):
    """How the marketplace takes money for leads (payment mode, top-up bounds, credit rules)."""

    list_display = ["marketplace", "payment_mode", "top_up_min", "top_up_max", "unread_credit_enabled"]
    staff_can_add = False  # one per marketplace, created by migration / seeding; staff edit theirs


@admin.register(PaymentProfile)
class PaymentProfileAdmin(TenantAdmin):
    list_display = ["pro", "gateway", "display", "updated_at"]
    readonly_fields = ["pro", "gateway", "customer_reference", "payment_method_token", "display", "updated_at"]
    search_fields = ["pro__name", "display"]
    addable = False  # made by the product, never in the admin


# --- Disputes, refunds and provider events ---------------------------------------------------


def _major_to_minor(value: Decimal, currency: str) -> int:
    exponent = CURRENCY_EXPONENTS[currency]
    minor = value * (10**exponent)
    if minor != minor.to_integral_value():
        raise forms.ValidationError(
            _("At most %(places)s decimal places in %(currency)s.") % {"places": exponent, "currency": currency}
        )
    return int(minor)


class ApproveForm(NoteForm):
    """The note, and for one dispute the amount to refund (what is left of the fee by default)."""

    amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=20,
        decimal_places=3,
        label=_("Refund (major units)"),
        help_text=_("Leave empty to refund everything that is left of the fee."),
    )

    def __init__(self, *args, currency: str, left: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency, self.left = currency, left
        if left is None:
            del self.fields["amount"]  # several disputes: each refunds what is left of its fee

    def clean_amount(self):
        value = self.cleaned_data.get("amount")
        if value in (None, ""):
            return None
        try:
            minor = _major_to_minor(Decimal(str(value)), self.currency)
        except InvalidOperation as exc:
            raise forms.ValidationError(_("Not an amount.")) from exc
        if minor < 1:
            raise forms.ValidationError(_("A refund is at least one minor unit."))
        if self.left is not None and minor > self.left:
            raise forms.ValidationError(
                _("A refund of %(amount)s is more than the %(left)s left of this fee.")
                % {"amount": money_text(minor, self.currency), "left": money_text(self.left, self.currency)}
            )
        return minor


DISPUTE_COLUMNS = [
    _("Dispute"),
    _("Pro"),
    _("Reason"),
    _("Fee"),
    _("Refunded so far"),
    _("Left to refund"),
    _("Saved note"),
]


@admin.register(LeadDispute)
class LeadDisputeAdmin(CsvExportMixin, TenantAdmin):
    list_display = [
        "id",
        "created_at",
        "age",
        "pro",
        "lead_link",
        "reason",
        "status",
        "fee",
        "refund_state",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "reason", "refund__status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["pro__name", "details", "decision_note", "pro__members__email"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "lead_link",
        "charge",
        "pro",
        "reason",
        "details",
        "status",
        "fee",
        "opened_by",
        "created_at",
        "decided_by",
        "decided_at",
        "refund",
        "refund_state",
    ]
    fields = [*readonly_fields, "decision_note"]
    actions = ["approve_and_refund", "deny"]
    addable = False  # made by the product, never in the admin
    csv_columns = [
        ("dispute_id", "pk"),
        ("created_at", "created_at"),
        ("pro", "pro.name"),
        ("lead_id", "lead_id"),
        ("reason", "reason"),
        ("details", "details"),
        ("status", "status"),
        ("fee_minor", "charge.amount"),
        ("currency", "charge.currency"),
        ("decision_note", "decision_note"),
        ("decided_at", "decided_at"),
    ]
    csv_select_related = ("pro", "charge")

    @admin.display(description=_("fee"))
    def fee(self, dispute):
        return money_html(dispute.charge.amount, dispute.charge.currency)

    @admin.display(description=_("lead"), ordering="lead")
    def lead_link(self, dispute):
        return admin_link(dispute.lead, f"Lead #{dispute.lead_id}")

    @admin.display(description=_("age"))
    def age(self, dispute):
        if dispute.status != DisputeStatus.OPEN:
            return "—"
        days = (timezone.now() - dispute.created_at).days
        return f"{days} d" if days else f"{int((timezone.now() - dispute.created_at).total_seconds() // 3600)} h"

    @admin.display(description=_("refund"), ordering="refund__status")
    def refund_state(self, dispute):
        """The latest refund's outcome; a refused one shows the provider's message."""
        refund = dispute.refund
        if refund is None:
            return "—"
        amount = money_text(refund.amount, refund.currency)
        if refund.status == RefundStatus.FAILED:
            return f"Refund failed: {refund.failure_message} Approve again to retry."
        if refund.status == RefundStatus.PENDING:
            return f"Refund of {amount} pending (retried automatically)"
        return f"Refunded {amount}"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pro", "lead", "charge", "refund", "decided_by")

    def _rows(self, open_disputes):
        rows = []
        for dispute in open_disputes:
            charge = dispute.charge
            refunded = disputes.refunded_so_far(charge_id=charge.pk)
            rows.append(
                {
                    "dispute": f"#{dispute.pk}",
                    "pro": dispute.pro.name,
                    "reason": dispute.get_reason_display(),
                    "fee": money_text(charge.amount, charge.currency),
                    "refunded": money_text(refunded, charge.currency),
                    "left": money_text(max(charge.amount - refunded, 0), charge.currency),
                    "note": dispute.decision_note or "—",
                    "_left": max(charge.amount - refunded, 0),
                }
            )
        return rows

    @admin.action(description=_("Approve and refund the fee"))
    def approve_and_refund(self, request, queryset):
        open_disputes = list(queryset.filter(status=DisputeStatus.OPEN))
        if not open_disputes:
            self.message_user(request, _("No open dispute selected."), messages.WARNING)
            return None
        rows = self._rows(open_disputes)
        single = len(open_disputes) == 1
        response, form = confirmation(
            self,
            request,
            queryset,
            title=_("Approve and refund"),
            columns=DISPUTE_COLUMNS,
            rows=[{k: v for k, v in row.items() if not k.startswith("_")} for row in rows],
            form_class=ApproveForm,
            initial={"note": open_disputes[0].decision_note if single else ""},
            form_kwargs={"currency": open_disputes[0].charge.currency, "left": rows[0]["_left"] if single else None},
        )
        if response is not None:
            return response
        note = form.cleaned_data["note"] or None  # empty: keep the note saved on each dispute
        amount = form.cleaned_data.get("amount")
        self._decide(
            request,
            open_disputes,
            lambda d: disputes.dispute_approve(dispute_id=d.pk, actor=request.user, note=note, amount=amount),
            StaffActionKind.DISPUTE_APPROVED,
        )
        return None

    @admin.action(description=_("Deny"))
    def deny(self, request, queryset):
        open_disputes = list(queryset.filter(status=DisputeStatus.OPEN))
        if not open_disputes:
            self.message_user(request, _("No open dispute selected."), messages.WARNING)
            return None
        rows = self._rows(open_disputes)
        response, form = confirmation(
            self,
            request,
            queryset,
            title=_("Deny"),
            columns=DISPUTE_COLUMNS,
            rows=[{k: v for k, v in row.items() if not k.startswith("_")} for row in rows],
            initial={"note": open_disputes[0].decision_note if len(open_disputes) == 1 else ""},
        )
        if response is not None:
            return response
        note = form.cleaned_data["note"] or None
        self._decide(
            request,
            open_disputes,
            lambda d: disputes.dispute_deny(dispute_id=d.pk, actor=request.user, note=note),
            StaffActionKind.DISPUTE_DENIED,
        )
        return None

    def _decide(self, request, open_disputes, decide, kind):
        """Only a dispute that leaves ``open`` counts as decided; a refused or delayed refund
        is reported with its reason and the dispute stays open to be approved again."""
        done = 0
        for dispute in open_disputes:
            before = {"status": dispute.status, "decision_note": dispute.decision_note}
            try:
                decided = decide(dispute)
            except DomainError as exc:
                self.message_user(
                    request,
                    _("Dispute #%(id)s: %(message)s") % {"id": dispute.pk, "message": exc.message},
                    messages.WARNING,
                )
                continue
            decided.refresh_from_db()
            after = {"status": decided.status, "decision_note": decided.decision_note}
            if decided.refund_id:
                refund = decided.refund
                after.update(refund_id=refund.pk, refund_amount=refund.amount, refund_currency=refund.currency)
                after["refund_status"] = refund.status
            staff_action_record(actor=request.user, obj=decided, kind=kind, before=before, after=after)
            if decided.status != DisputeStatus.OPEN:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d dispute decided.", "%(count)d disputes decided.", done) % {"count": done},
            messages.SUCCESS,
        )


@admin.register(Refund)
class RefundAdmin(ReadOnlyTenantAdmin):
    list_display = ["id", "created_at", "pro", "lead", "amount_money", "status", "failure_message", "gateway"]
    list_filter = ["status", "gateway", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["idempotency_key", "gateway_reference", "pro__name"]
    list_select_related = ["pro", "lead"]
    date_hierarchy = "created_at"
    amount_money = money_column("amount", "currency", _("amount"))


@admin.register(ProviderEvent)
class ProviderEventAdmin(PlatformOnlyAdmin):
    """Platform-level (no marketplace): only superusers see provider events."""

    list_display = ["event_id", "type", "received_at", "processed_at", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id"]

    def get_queryset(self, request):
        qs = ProviderEvent.objects.all()
        return qs if request.user.is_superuser else qs.none()


@admin.register(EmailBounce)
class EmailBounceAdmin(PlatformOnlyAdmin):
    """Platform-level (an address bounces whichever marketplace wrote to it): superusers only."""

    list_display = ["occurred_at", "email", "kind", "diagnostic", "event_id"]
    list_filter = ["kind"]
    search_fields = ["email", "event_id"]

    def get_queryset(self, request):
        qs = EmailBounce.objects.all()
        return qs if request.user.is_superuser else qs.none()


@admin.register(Chargeback)
class ChargebackAdmin(ReadOnlyTenantAdmin):
    tenant_field = "charge__marketplace"
    list_display = ["provider_reference", "charge", "amount_money", "reason", "status", "created_at"]
    amount_money = money_column("amount", "currency", _("amount"))


class ProBalance(Pro):
    class Meta:
        proxy = True
        verbose_name = _("pro balance")
        verbose_name_plural = _("pro balances")


class BalancePeriodFilter(admin.SimpleListFilter):
    """The period the balances add up (local days): this month by default, or all time."""

    title = _("period")
    parameter_name = "period"
    CHOICES = {
        "month": _("This month"),
        "last_month": _("Last month"),
        "30d": _("Last 30 days"),
        "year": _("This year"),
    }

    def lookups(self, request, model_admin):
        return [*self.CHOICES.items(), ("all", _("All time"))]

    def choices(self, changelist):
        # "This month" is what the list shows with no choice made, so it is the first entry.
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "month") == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        tz = timezone.get_current_timezone()
        today = timezone.localdate()
        start_of = lambda day: dt.datetime.combine(day, dt.time.min, tzinfo=tz)  # noqa: E731
        value = self.value() or "month"
        if value == "all":
            return None, None
        if value == "last_month":
            first = today.replace(day=1)
            return start_of((first - dt.timedelta(days=1)).replace(day=1)), start_of(first)
        if value == "30d":
            return start_of(today - dt.timedelta(days=29)), None
        if value == "year":
            return start_of(today.replace(month=1, day=1)), None
        return start_of(today.replace(day=1)), None

    def queryset(self, request, queryset):
        since, until = self.bounds()
        window = Q()
        if since is not None:
            window &= Q(ledger_entries__created_at__gte=since)
        if until is not None:
            window &= Q(ledger_entries__created_at__lt=until)
        return queryset.annotate(
            charged_total=Sum("ledger_entries__amount", filter=window & Q(ledger_entries__kind="charge"), default=0),
            refunded_total=Sum(
                "ledger_entries__amount", filter=window & Q(ledger_entries__kind__in=["refund", "credit"]), default=0
            ),
        )


@admin.register(ProBalance)
class ProBalanceAdmin(ReadOnlyTenantAdmin):
    """What each pro has paid, been refunded or credited, and the net, from the ledger, per period."""

    list_display = ["name", "charged", "refunded", "net", "ledger"]
    list_filter = [BalancePeriodFilter]
    search_fields = ["name", "members__email"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("marketplace")

    def get_search_results(self, request, queryset, search_term):
        # As a subquery: a join on members here would multiply the ledger sums.
        matches, _ = super().get_search_results(request, Pro.objects.all(), search_term)
        return queryset.filter(pk__in=matches.values("pk")), False

    @admin.display(ordering="charged_total")
    def charged(self, pro):
        return money_html(getattr(pro, "charged_total", 0), pro.marketplace.currency)

    @admin.display(ordering="refunded_total", description=_("refunded and credited"))
    def refunded(self, pro):
        return money_html(getattr(pro, "refunded_total", 0), pro.marketplace.currency)

    @admin.display()
    def net(self, pro):
        return money_html(
            getattr(pro, "charged_total", 0) - getattr(pro, "refunded_total", 0), pro.marketplace.currency
        )

    @admin.display(description=_("ledger"))
    def ledger(self, pro):
        from console.admin_tools import admin_list_link

        return admin_list_link("billing_ledgerentry", _("entries"), pro__id__exact=pro.pk)
