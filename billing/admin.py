from django.contrib import admin

from billing.models import Charge, LedgerEntry, PaymentProfile
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


@admin.register(PaymentProfile)
class PaymentProfileAdmin(TenantAdmin):
    list_display = ["pro", "gateway", "display", "updated_at"]
    readonly_fields = ["pro", "gateway", "customer_reference", "payment_method_token", "display", "updated_at"]
    staff_can_add = False
