from django.contrib import admin

from billing.models import Charge, LedgerEntry, PaymentPolicy, PaymentProfile
from marketplace.admin_base import ReadOnlyTenantAdmin, TenantAdmin


@admin.register(Charge)
class ChargeAdmin(ReadOnlyTenantAdmin):
    list_display = ["id", "pro", "lead", "amount", "currency", "status", "gateway", "idempotency_key", "created_at"]
    list_filter = ["status", "gateway"]
    search_fields = ["idempotency_key", "gateway_reference"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyTenantAdmin):
    list_display = ["id", "pro", "lead", "kind", "amount", "currency", "idempotency_key", "created_at"]
    list_filter = ["kind"]


@admin.register(PaymentPolicy)
class PaymentPolicyAdmin(TenantAdmin):
    """How the marketplace takes money for leads (payment mode, top-up bounds, credit rules)."""

    list_display = ["marketplace", "payment_mode", "top_up_min", "top_up_max", "unread_credit_enabled"]
    staff_can_add = False  # one per marketplace, created by migration / seeding; staff edit theirs


@admin.register(PaymentProfile)
class PaymentProfileAdmin(TenantAdmin):
    list_display = ["pro", "gateway", "display", "updated_at"]
    readonly_fields = ["pro", "gateway", "customer_reference", "payment_method_token", "display", "updated_at"]
    staff_can_add = False


# --- Disputes, refunds and provider events ---------------------------------------------------
from django.contrib import messages  # noqa: E402
from django.db.models import Q, Sum  # noqa: E402

from billing import disputes  # noqa: E402
from billing.models import Chargeback, DisputeStatus, LeadDispute, ProviderEvent, Refund, RefundStatus  # noqa: E402
from marketplace.errors import DomainError  # noqa: E402
from pros.models import Pro  # noqa: E402


@admin.register(LeadDispute)
class LeadDisputeAdmin(TenantAdmin):
    list_display = ["id", "pro", "lead", "reason", "status", "fee", "refund_state", "created_at", "decided_at"]
    list_filter = ["status", "reason", "refund__status"]
    search_fields = ["pro__name", "details"]
    readonly_fields = [
        "lead",
        "charge",
        "pro",
        "reason",
        "details",
        "status",
        "opened_by",
        "created_at",
        "decided_by",
        "decided_at",
        "refund",
        "refund_state",
    ]
    fields = readonly_fields + ["decision_note"]
    actions = ["approve_and_refund", "deny"]
    staff_can_add = False

    @admin.display(description="fee")
    def fee(self, dispute):
        return f"{dispute.charge.amount} {dispute.charge.currency}"

    @admin.display(description="refund", ordering="refund__status")
    def refund_state(self, dispute):
        """The latest refund's outcome; a refused one shows the provider's message."""
        refund = dispute.refund
        if refund is None:
            return "—"
        if refund.status == RefundStatus.FAILED:
            return f"Refund failed: {refund.failure_message} Approve again to retry."
        if refund.status == RefundStatus.PENDING:
            return f"Refund of {refund.amount} {refund.currency} pending (retried automatically)"
        return f"Refunded {refund.amount} {refund.currency}"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pro", "lead", "charge", "refund")

    @admin.action(description="Approve and refund the fee")
    def approve_and_refund(self, request, queryset):
        self._decide(request, queryset, lambda d: disputes.dispute_approve(dispute_id=d.pk, actor=request.user))

    @admin.action(description="Deny")
    def deny(self, request, queryset):
        self._decide(request, queryset, lambda d: disputes.dispute_deny(dispute_id=d.pk, actor=request.user))

    def _decide(self, request, queryset, decide):
        """Only a dispute that leaves ``open`` counts as decided; a refused or delayed refund
        is reported with its reason and the dispute stays open to be approved again."""
        done = 0
        for dispute in queryset.filter(status=DisputeStatus.OPEN):
            try:
                decided = decide(dispute)
            except DomainError as exc:
                self.message_user(request, f"Dispute #{dispute.pk}: {exc.message}", messages.WARNING)
                continue
            if decided.status != DisputeStatus.OPEN:
                done += 1
        self.message_user(request, f"{done} dispute(s) decided.", messages.SUCCESS)


@admin.register(Refund)
class RefundAdmin(ReadOnlyTenantAdmin):
    list_display = ["id", "pro", "lead", "amount", "currency", "status", "failure_message", "gateway", "created_at"]
    list_filter = ["status", "gateway"]
    search_fields = ["idempotency_key", "gateway_reference"]


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyTenantAdmin):
    """Platform-level (no marketplace): only superusers see provider events."""

    list_display = ["event_id", "type", "received_at", "processed_at", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id"]

    def get_queryset(self, request):
        qs = ProviderEvent.objects.all()
        return qs if request.user.is_superuser else qs.none()

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Chargeback)
class ChargebackAdmin(ReadOnlyTenantAdmin):
    tenant_field = "charge__marketplace"
    list_display = ["provider_reference", "charge", "amount", "currency", "reason", "status", "created_at"]


class ProBalance(Pro):
    class Meta:
        proxy = True
        verbose_name = "pro balance"
        verbose_name_plural = "pro balances"


@admin.register(ProBalance)
class ProBalanceAdmin(ReadOnlyTenantAdmin):
    """What each pro has paid, been refunded, and the net, from the ledger."""

    list_display = ["name", "charged", "refunded", "net"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("marketplace")
            .annotate(
                charged_total=Sum("ledger_entries__amount", filter=Q(ledger_entries__kind="charge"), default=0),
                refunded_total=Sum("ledger_entries__amount", filter=Q(ledger_entries__kind="refund"), default=0),
            )
        )

    @admin.display(ordering="charged_total")
    def charged(self, pro):
        return f"{pro.charged_total} {pro.marketplace.currency}"

    @admin.display(ordering="refunded_total")
    def refunded(self, pro):
        return f"{pro.refunded_total} {pro.marketplace.currency}"

    @admin.display()
    def net(self, pro):
        return f"{pro.charged_total - pro.refunded_total} {pro.marketplace.currency}"
