"""Refunds and the pro's disputes of charged leads (Rule 10)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import TenantModel
from marketplace.money import CURRENCY_CHOICES


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending (committed before the gateway call)")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Refund(TenantModel):
    """Money given back on a charge. Like a charge, committed before the provider is called."""

    charge = models.ForeignKey(
        "billing.Charge", verbose_name=_("charge"), on_delete=models.PROTECT, related_name="refunds"
    )
    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, related_name="refunds")
    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField(verbose_name=_("amount"), validators=[MinValueValidator(1)])
    currency = models.CharField(verbose_name=_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    idempotency_key = models.CharField(verbose_name=_("idempotency key"), max_length=100)
    gateway = models.CharField(verbose_name=_("gateway"), max_length=20)
    gateway_reference = models.CharField(verbose_name=_("gateway reference"), max_length=100, blank=True)
    failure_message = models.CharField(verbose_name=_("failure message"), max_length=300, blank=True)
    reason = models.CharField(verbose_name=_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(verbose_name=_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="refund_idempotency_key_unique"),
            models.CheckConstraint(name="refund_amount_positive", condition=Q(amount__gte=1)),
        ]
        indexes = [models.Index(fields=["created_at"], name="refund_pending_idx", condition=Q(status="pending"))]

    def __str__(self) -> str:
        return f"Refund #{self.pk} {self.amount} {self.currency} ({self.status})"


class DisputeReason(models.TextChoices):
    FAKE_CONTACT = "fake_contact", _("Fake or unreachable contact details")
    UNREACHABLE_CONTACT = "unreachable_contact", _("Contact unreachable (no answer, e-mail bounced)")
    OUT_OF_AREA = "out_of_area", _("Job outside my service area")
    DUPLICATE = "duplicate", _("Duplicate of a lead I already paid for")
    OTHER = "other", _("Other")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved (refunded)")
    DENIED = "denied", _("Denied")


class LeadDispute(TenantModel):
    """A pro's claim that a charged lead should be refunded; staff decide in the admin."""

    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.PROTECT, related_name="disputes")
    charge = models.ForeignKey(
        "billing.Charge", verbose_name=_("charge"), on_delete=models.PROTECT, related_name="disputes"
    )
    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, related_name="disputes")
    reason = models.CharField(verbose_name=_("reason"), max_length=20, choices=DisputeReason.choices)
    details = models.TextField(verbose_name=_("details"), blank=True, max_length=2000)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(verbose_name=_("decided at"), null=True, blank=True)
    decision_note = models.CharField(verbose_name=_("decision note"), max_length=500, blank=True)
    refund = models.OneToOneField(
        Refund, verbose_name=_("refund"), on_delete=models.PROTECT, null=True, blank=True, related_name="dispute"
    )

    class Meta:
        verbose_name = _("lead dispute")
        verbose_name_plural = _("lead disputes")
        constraints = [
            # One dispute per charge: a denied dispute is final.
            models.UniqueConstraint(fields=["charge"], name="dispute_one_per_charge"),
        ]
        indexes = [models.Index(fields=["marketplace", "status", "-created_at"], name="dispute_queue_idx")]

    def __str__(self) -> str:
        return f"Dispute #{self.pk} on lead {self.lead_id} ({self.status})"
