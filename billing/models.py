"""The billing core: saved payment methods, charges and the append-only ledger.

Money is integer minor units plus an ISO 4217 currency. A ``Charge`` is one attempt to take
a contact fee through the payment gateway; it is committed as ``pending`` *before* the
gateway is called, so a crash between the phases leaves a row the recovery job can finish
or void. A ``LedgerEntry`` is the book of record: append-only (a PostgreSQL trigger refuses
UPDATE and DELETE), each entry names its lead and carries a unique idempotency key.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from marketplace.models import TenantModel
from marketplace.money import CURRENCY_CHOICES


class PaymentProfile(TenantModel):
    """A pro's saved payment method at the gateway (a token, never card data)."""

    pro = models.OneToOneField("pros.Pro", on_delete=models.CASCADE, related_name="payment_profile")
    gateway = models.CharField(max_length=20)
    customer_reference = models.CharField(max_length=100, blank=True)
    payment_method_token = models.CharField(max_length=100, blank=True)
    display = models.CharField(max_length=60, blank=True, help_text="e.g. 'Visa •••• 4242'.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.display or self.payment_method_token or "(no payment method)"


class ChargeStatus(models.TextChoices):
    PENDING = "pending", "Pending (committed before the gateway call)"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (declined)"
    VOIDED = "voided", "Voided (recovery found no payment)"


class Charge(TenantModel):
    pro = models.ForeignKey("pros.Pro", on_delete=models.PROTECT, related_name="charges")
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="charges")
    amount = models.BigIntegerField(validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(max_length=10, choices=ChargeStatus.choices, default=ChargeStatus.PENDING)
    # Sent to the gateway with every call for this charge: a retry never charges twice.
    idempotency_key = models.CharField(max_length=100)
    gateway = models.CharField(max_length=20)
    # The saved method the charge was made with, so recovery re-calls the gateway identically.
    payment_method_token = models.CharField(max_length=100, blank=True)
    # A payment waiting for the cardholder's authentication: its client secret, for the app.
    client_secret = models.CharField(max_length=200, blank=True)
    # The provider customer the card belongs to, recorded with the card for the same reason.
    customer_reference = models.CharField(max_length=100, blank=True)
    gateway_reference = models.CharField(max_length=100, blank=True)
    failure_code = models.CharField(max_length=50, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    # What the accept should record once paid (quote message and price), kept for recovery.
    accept_payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="charge_idempotency_key_unique"),
            # At most one live (pending or paid) charge per lead: a lead is never paid twice.
            models.UniqueConstraint(
                fields=["lead"], name="charge_one_live_per_lead", condition=Q(status__in=["pending", "succeeded"])
            ),
            models.CheckConstraint(name="charge_amount_non_negative", condition=Q(amount__gte=0)),
        ]
        indexes = [
            # Weekly spend: a pro's live charges since the start of the week.
            models.Index(
                fields=["pro", "created_at"],
                name="charge_pro_week_idx",
                condition=Q(status__in=["pending", "succeeded"]),
            ),
            models.Index(fields=["created_at"], name="charge_pending_idx", condition=Q(status="pending")),
            models.Index(fields=["marketplace", "pro", "-created_at"], name="charge_pro_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"Charge #{self.pk} {self.amount} {self.currency} ({self.status})"


class LedgerKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    REFUND = "refund", "Refund"
    CREDIT = "credit", "Credit"


class LedgerEntry(TenantModel):
    """One money movement. Amounts are positive; the kind says which way it goes."""

    pro = models.ForeignKey("pros.Pro", on_delete=models.PROTECT, related_name="ledger_entries")
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="ledger_entries")
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries")
    kind = models.CharField(max_length=10, choices=LedgerKind.choices)
    amount = models.BigIntegerField(validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    idempotency_key = models.CharField(max_length=100)
    memo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="ledger_idempotency_key_unique"),
            models.CheckConstraint(name="ledger_amount_non_negative", condition=Q(amount__gte=0)),
        ]
        indexes = [models.Index(fields=["marketplace", "pro", "-created_at"], name="ledger_pro_recent_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"


# Refunds, disputes and what the payment provider reports live in their own modules.
from billing.models_auto import (  # noqa: E402
    AutoTopUp,
    AutoTopUpChange,
    AutoTopUpStatus,
    ContactCheck,
    ContactCheckStatus,
    EmailBounce,
)
from billing.models_local import LocalGatewayPayment, LocalGatewayRefund, LocalGatewaySetupIntent  # noqa: E402
from billing.models_policy import PaymentMode, PaymentPolicy  # noqa: E402
from billing.models_provider import Chargeback, ProviderEvent  # noqa: E402
from billing.models_refunds import DisputeReason, DisputeStatus, LeadDispute, Refund, RefundStatus  # noqa: E402
from billing.models_wallet import (  # noqa: E402
    WALLET_GATEWAY,
    BalanceRefund,
    BalanceRefundStatus,
    CreditReason,
    LeadCredit,
    TopUp,
    TopUpOrigin,
    TopUpStatus,
    Wallet,
    WalletEntry,
    WalletEntryKind,
)

__all__ = [
    "AutoTopUp",
    "AutoTopUpChange",
    "AutoTopUpStatus",
    "ContactCheck",
    "ContactCheckStatus",
    "EmailBounce",
    "TopUpOrigin",
    "WALLET_GATEWAY",
    "BalanceRefund",
    "BalanceRefundStatus",
    "CreditReason",
    "LeadCredit",
    "TopUp",
    "TopUpStatus",
    "Wallet",
    "WalletEntry",
    "WalletEntryKind",
    "Charge",
    "ChargeStatus",
    "Chargeback",
    "DisputeReason",
    "DisputeStatus",
    "LeadDispute",
    "LedgerEntry",
    "LedgerKind",
    "LocalGatewayPayment",
    "LocalGatewayRefund",
    "LocalGatewaySetupIntent",
    "PaymentMode",
    "PaymentPolicy",
    "PaymentProfile",
    "ProviderEvent",
    "Refund",
    "RefundStatus",
]
