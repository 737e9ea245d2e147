"""Prepaid credits (issue #15): a pro's wallet, its append-only entries, top-ups and credits.

Money is integer minor units in the marketplace's currency. The wallet's ``balance`` is the sum
of its entries: every change inserts one ``WalletEntry`` (signed amount, the balance after it)
and moves the balance by the same amount with one UPDATE, in one transaction, under the wallet
row's lock. PostgreSQL holds the line even against a bug: ``CHECK (balance >= 0)`` on the
wallet and on every entry's ``balance_after``, a UNIQUE key per entry (a top-up is credited,
a lead debited, once), and a trigger refusing UPDATE and DELETE of entries.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import TenantModel
from marketplace.money import CURRENCY_CHOICES

WALLET_GATEWAY = "wallet"  # Charge.gateway of a fee paid from the wallet (no provider call)


class Wallet(TenantModel):
    pro = models.OneToOneField("pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, related_name="wallet")
    currency = models.CharField(verbose_name=_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    balance = models.BigIntegerField(verbose_name=_("balance"), default=0)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")
        constraints = [models.CheckConstraint(name="wallet_balance_never_negative", condition=Q(balance__gte=0))]

    def __str__(self) -> str:
        return f"Wallet of {self.pro_id}: {self.balance} {self.currency}"


class WalletEntryKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    LEAD_DEBIT = "lead_debit", _("Lead fee")
    CREDIT = "credit", _("Credit (fee back)")
    PAYOUT = "payout", _("Balance refunded to card")


class WalletEntry(TenantModel):
    wallet = models.ForeignKey(Wallet, verbose_name=_("wallet"), on_delete=models.PROTECT, related_name="entries")
    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, related_name="wallet_entries")
    kind = models.CharField(verbose_name=_("kind"), max_length=12, choices=WalletEntryKind.choices)
    amount = models.BigIntegerField(
        verbose_name=_("amount"), help_text=_("Signed: positive adds to the balance, negative takes from it.")
    )
    balance_after = models.BigIntegerField(verbose_name=_("balance after"))
    currency = models.CharField(verbose_name=_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    idempotency_key = models.CharField(verbose_name=_("idempotency key"), max_length=120)
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    charge = models.ForeignKey(
        "billing.Charge", verbose_name=_("charge"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    top_up = models.ForeignKey(
        "billing.TopUp", verbose_name=_("top up"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    memo = models.CharField(verbose_name=_("memo"), max_length=300, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("wallet entry")
        verbose_name_plural = _("wallet entries")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="wallet_entry_key_unique"),
            models.CheckConstraint(name="wallet_entry_balance_never_negative", condition=Q(balance_after__gte=0)),
            models.CheckConstraint(name="wallet_entry_amount_nonzero", condition=~Q(amount=0)),
        ]
        indexes = [models.Index(fields=["marketplace", "pro", "-created_at"], name="wallet_entry_pro_recent_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d} {self.currency}"


class TopUpStatus(models.TextChoices):
    PENDING = "pending", _("Pending (committed before the provider call; outcome not known yet)")
    REQUIRES_ACTION = "requires_action", _("Requires the cardholder's authentication")
    SUCCEEDED = "succeeded", _("Succeeded (credited)")
    FAILED = "failed", _("Failed")


class TopUpOrigin(models.TextChoices):
    PRO = "pro", _("Bought by the pro (on-session)")
    AUTO = "auto", _("Automatic top-up (off-session, with the pro's consent)")


class TopUp(TenantModel):
    """One purchase of credits with the saved card, on-session. Committed ``pending`` before the
    provider is called; credited exactly once (the entry's key ``topup-<id>:credit``)."""

    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, related_name="top_ups")
    amount = models.BigIntegerField(verbose_name=_("amount"))
    currency = models.CharField(verbose_name=_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(
        verbose_name=_("status"), max_length=16, choices=TopUpStatus.choices, default=TopUpStatus.PENDING
    )
    origin = models.CharField(
        verbose_name=_("origin"), max_length=4, choices=TopUpOrigin.choices, default=TopUpOrigin.PRO
    )
    idempotency_key = models.CharField(verbose_name=_("idempotency key"), max_length=120)
    gateway = models.CharField(verbose_name=_("gateway"), max_length=20)
    payment_method_token = models.CharField(verbose_name=_("payment method token"), max_length=100, blank=True)
    customer_reference = models.CharField(verbose_name=_("customer reference"), max_length=100, blank=True)
    gateway_reference = models.CharField(verbose_name=_("gateway reference"), max_length=100, blank=True)
    client_secret = models.CharField(verbose_name=_("client secret"), max_length=200, blank=True)
    failure_code = models.CharField(verbose_name=_("failure code"), max_length=50, blank=True)
    failure_message = models.CharField(verbose_name=_("failure message"), max_length=300, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(verbose_name=_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("top up")
        verbose_name_plural = _("top ups")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="top_up_key_unique"),
            models.CheckConstraint(name="top_up_amount_positive", condition=Q(amount__gt=0)),
            # At most one automatic top-up in flight (committed, provider not answered) per pro.
            models.UniqueConstraint(
                fields=["pro"], name="top_up_one_auto_in_flight", condition=Q(origin="auto", status="pending")
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], name="top_up_open_idx", condition=Q(status__in=["pending", "requires_action"])
            ),
            models.Index(fields=["marketplace", "pro", "-created_at"], name="top_up_pro_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"Top-up #{self.pk} {self.amount} {self.currency} ({self.status})"


class CreditReason(models.TextChoices):
    UNREAD = "unread", _("The homeowner never opened the answer")
    DUPLICATE = "duplicate", _("Duplicate of an earlier request")
    UNREACHABLE = "unreachable", _("Contact unreachable (confirmed)")
    GOODWILL = "goodwill", _("Goodwill (staff)")


class LeadCredit(TenantModel):
    """A lead's fee given back. One per lead, ever (UNIQUE lead): never credited twice."""

    lead = models.OneToOneField("leads.Lead", verbose_name=_("lead"), on_delete=models.PROTECT, related_name="credit")
    charge = models.ForeignKey(
        "billing.Charge", verbose_name=_("charge"), on_delete=models.PROTECT, related_name="credits"
    )
    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, related_name="lead_credits")
    reason = models.CharField(verbose_name=_("reason"), max_length=12, choices=CreditReason.choices)
    amount = models.BigIntegerField(verbose_name=_("amount"))
    currency = models.CharField(verbose_name=_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    memo = models.CharField(verbose_name=_("memo"), max_length=300, blank=True)
    granted_by = models.ForeignKey(
        "marketplace.User",
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lead credit")
        verbose_name_plural = _("lead credits")
        constraints = [models.CheckConstraint(name="lead_credit_amount_positive", condition=Q(amount__gt=0))]
        indexes = [models.Index(fields=["marketplace", "reason", "-created_at"], name="lead_credit_reason_idx")]

    def __str__(self) -> str:
        return f"Credit {self.reason} lead {self.lead_id}: {self.amount} {self.currency}"


class BalanceRefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending (balance reserved; the provider refund not confirmed yet)")
    SUCCEEDED = "succeeded", _("Refunded to the card")
    FAILED = "failed", _("Refused by the provider (the amount went back to the wallet)")


class BalanceRefund(TenantModel):
    """Unused credit paid back to the card it was bought with (a pro leaving; staff, audited).

    The wallet is debited (``payout`` entry) in the same transaction that commits these rows,
    so the amount cannot be spent while the provider refund is under way; a refund the
    provider refuses puts it back (``credit`` entry), and recovery finishes a pending one under
    its own key."""

    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, related_name="balance_refunds")
    top_up = models.ForeignKey(
        TopUp, verbose_name=_("top up"), on_delete=models.PROTECT, related_name="balance_refunds"
    )
    amount = models.BigIntegerField(verbose_name=_("amount"))
    currency = models.CharField(verbose_name=_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(
        verbose_name=_("status"),
        max_length=10,
        choices=BalanceRefundStatus.choices,
        default=BalanceRefundStatus.PENDING,
    )
    idempotency_key = models.CharField(verbose_name=_("idempotency key"), max_length=120)
    gateway = models.CharField(verbose_name=_("gateway"), max_length=20)
    gateway_reference = models.CharField(verbose_name=_("gateway reference"), max_length=100, blank=True)
    failure_message = models.CharField(verbose_name=_("failure message"), max_length=300, blank=True)
    reason = models.CharField(verbose_name=_("reason"), max_length=300)
    requested_by = models.ForeignKey(
        "marketplace.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(verbose_name=_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("balance refund")
        verbose_name_plural = _("balance refunds")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="balance_refund_key_unique"),
            models.CheckConstraint(name="balance_refund_amount_positive", condition=Q(amount__gt=0)),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="balance_refund_pending_idx", condition=Q(status="pending"))
        ]

    def __str__(self) -> str:
        return f"Balance refund #{self.pk} {self.amount} {self.currency} ({self.status})"
