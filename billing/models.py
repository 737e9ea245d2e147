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
from django.utils.translation import gettext_lazy as _

from marketplace.models import TenantModel
from marketplace.money import CURRENCY_CHOICES


class PaymentProfile(TenantModel):
    """A pro's saved payment method at the gateway (a token, never card data)."""

    pro = models.OneToOneField(
        "pros.Pro", verbose_name=_("pro"), on_delete=models.CASCADE, related_name="payment_profile"
    )
    gateway = models.CharField(verbose_name=_("gateway"), max_length=20)
    customer_reference = models.CharField(verbose_name=_("customer reference"), max_length=100, blank=True)
    payment_method_token = models.CharField(verbose_name=_("payment method token"), max_length=100, blank=True)
    display = models.CharField(
        verbose_name=_("display"), max_length=60, blank=True, help_text=_("e.g. 'Visa •••• 4242'.")
    )
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payment profile")
        verbose_name_plural = _("payment profiles")

    def __str__(self) -> str:
        return self.display or self.payment_method_token or "(no payment method)"


class ChargeStatus(models.TextChoices):
    PENDING = "pending", _("Pending (committed before the gateway call)")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed (declined)")
    VOIDED = "voided", _("Voided (recovery found no payment)")


class Charge(TenantModel):
    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, related_name="charges")
    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.PROTECT, related_name="charges")
    amount = models.BigIntegerField(verbose_name=_("amount"), validators=[MinValueValidator(0)])
    currency = models.CharField(verbose_name=_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=ChargeStatus.choices, default=ChargeStatus.PENDING
    )
    # Sent to the gateway with every call for this charge: a retry never charges twice.
    idempotency_key = models.CharField(verbose_name=_("idempotency key"), max_length=100)
    gateway = models.CharField(verbose_name=_("gateway"), max_length=20)
    # The saved method the charge was made with, so recovery re-calls the gateway identically.
    payment_method_token = models.CharField(verbose_name=_("payment method token"), max_length=100, blank=True)
    # A payment waiting for the cardholder's authentication: its client secret, for the app.
    client_secret = models.CharField(verbose_name=_("client secret"), max_length=200, blank=True)
    # The provider customer the card belongs to, recorded with the card for the same reason.
    customer_reference = models.CharField(verbose_name=_("customer reference"), max_length=100, blank=True)
    gateway_reference = models.CharField(verbose_name=_("gateway reference"), max_length=100, blank=True)
    failure_code = models.CharField(verbose_name=_("failure code"), max_length=50, blank=True)
    failure_message = models.CharField(verbose_name=_("failure message"), max_length=300, blank=True)
    # What the accept should record once paid (quote message and price), kept for recovery.
    accept_payload = models.JSONField(verbose_name=_("accept payload"), default=dict, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(verbose_name=_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
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
    CHARGE = "charge", _("Charge")
    REFUND = "refund", _("Refund")
    CREDIT = "credit", _("Credit")


class LedgerEntry(TenantModel):
    """One money movement. Amounts are positive; the kind says which way it goes."""

    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, related_name="ledger_entries")
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), on_delete=models.PROTECT, related_name="ledger_entries"
    )
    charge = models.ForeignKey(
        Charge, verbose_name=_("charge"), on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=10, choices=LedgerKind.choices)
    amount = models.BigIntegerField(verbose_name=_("amount"), validators=[MinValueValidator(0)])
    currency = models.CharField(verbose_name=_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    idempotency_key = models.CharField(verbose_name=_("idempotency key"), max_length=100)
    memo = models.CharField(verbose_name=_("memo"), max_length=300, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
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
