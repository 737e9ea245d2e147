"""Refunds and the pro's disputes of charged leads (Rule 10)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from marketplace.models import TenantModel
from marketplace.money import CURRENCY_CHOICES


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending (committed before the gateway call)"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Refund(TenantModel):
    """Money given back on a charge. Like a charge, committed before the provider is called."""

    charge = models.ForeignKey("billing.Charge", on_delete=models.PROTECT, related_name="refunds")
    pro = models.ForeignKey("pros.Pro", on_delete=models.PROTECT, related_name="refunds")
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField(validators=[MinValueValidator(1)])
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    idempotency_key = models.CharField(max_length=100)
    gateway = models.CharField(max_length=20)
    gateway_reference = models.CharField(max_length=100, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="refund_idempotency_key_unique"),
            models.CheckConstraint(name="refund_amount_positive", condition=Q(amount__gte=1)),
        ]
        indexes = [models.Index(fields=["created_at"], name="refund_pending_idx", condition=Q(status="pending"))]

    def __str__(self) -> str:
        return f"Refund #{self.pk} {self.amount} {self.currency} ({self.status})"


class DisputeReason(models.TextChoices):
    FAKE_CONTACT = "fake_contact", "Fake or unreachable contact details"
    UNREACHABLE_CONTACT = "unreachable_contact", "Contact unreachable (no answer, e-mail bounced)"
    OUT_OF_AREA = "out_of_area", "Job outside my service area"
    DUPLICATE = "duplicate", "Duplicate of a lead I already paid for"
    OTHER = "other", "Other"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved (refunded)"
    DENIED = "denied", "Denied"


class LeadDispute(TenantModel):
    """A pro's claim that a charged lead should be refunded; staff decide in the admin."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="disputes")
    charge = models.ForeignKey("billing.Charge", on_delete=models.PROTECT, related_name="disputes")
    pro = models.ForeignKey("pros.Pro", on_delete=models.PROTECT, related_name="disputes")
    reason = models.CharField(max_length=20, choices=DisputeReason.choices)
    details = models.TextField(blank=True, max_length=2000)
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="dispute")

    class Meta:
        constraints = [
            # One dispute per charge: a denied dispute is final.
            models.UniqueConstraint(fields=["charge"], name="dispute_one_per_charge"),
        ]
        indexes = [models.Index(fields=["marketplace", "status", "-created_at"], name="dispute_queue_idx")]

    def __str__(self) -> str:
        return f"Dispute #{self.pk} on lead {self.lead_id} ({self.status})"
