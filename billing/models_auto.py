"""Automatic top-ups and unreachable-contact reports (issue #15, items 2 and 4).

``AutoTopUp`` is the pro's explicit consent to be charged off-session: its threshold, the
amount of each top-up and a monthly limit, in the marketplace's currency and minor units.
Every change of it (given, changed, withdrawn, flagged for attention) is one append-only
``AutoTopUpChange`` row: who, when, the values.

``ContactCheck`` follows a pro's report that a lead's contact is unreachable: the homeowner
is asked to confirm the request, and a bounce of their address (``EmailBounce``, from the
e-mail provider's signed webhook) or no confirmation within the policy's window credits the
lead automatically; a confirmation hands the report to staff as a normal dispute.
"""

from django.db import models
from django.db.models import F, Q

from marketplace.models import TenantModel
from marketplace.money import CURRENCY_CHOICES


class AutoTopUpStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    NEEDS_ATTENTION = "needs_attention", "Needs the pro's attention (a top-up needed authentication or failed)"
    WITHDRAWN = "withdrawn", "Consent withdrawn"


class AutoTopUp(TenantModel):
    """The pro's consent to automatic top-ups (one row per pro; withdrawn, not deleted)."""

    pro = models.OneToOneField("pros.Pro", on_delete=models.PROTECT, related_name="auto_top_up")
    status = models.CharField(max_length=16, choices=AutoTopUpStatus.choices, default=AutoTopUpStatus.ACTIVE)
    threshold = models.BigIntegerField(help_text="Top up when a debit leaves the balance below this (minor units).")
    amount = models.BigIntegerField(help_text="Each automatic top-up (minor units).")
    monthly_limit = models.BigIntegerField(
        help_text="At most this much in automatic top-ups per calendar month (the marketplace's time zone)."
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    attention_reason = models.CharField(max_length=300, blank=True)
    attention_top_up = models.ForeignKey(
        "billing.TopUp", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consented_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    consented_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="auto_top_up_bounds",
                condition=Q(threshold__gte=1, amount__gte=1, monthly_limit__gte=F("amount")),
            ),
        ]

    def __str__(self) -> str:
        return f"Auto top-up of {self.pro_id}: {self.amount} below {self.threshold} {self.currency} ({self.status})"


class AutoTopUpChange(TenantModel):
    """Audit of the consent: append-only (who, when, what it became)."""

    class Action(models.TextChoices):
        GIVEN = "given", "Consent given"
        CHANGED = "changed", "Consent changed"
        WITHDRAWN = "withdrawn", "Consent withdrawn"
        NEEDS_ATTENTION = "needs_attention", "Stopped: needs the pro's attention"

    pro = models.ForeignKey("pros.Pro", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    threshold = models.BigIntegerField(null=True, blank=True)
    amount = models.BigIntegerField(null=True, blank=True)
    monthly_limit = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["marketplace", "pro", "-created_at"], name="auto_top_up_change_pro_idx")]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"


class EmailBounce(models.Model):
    """A bounce reported by the e-mail provider's signed webhook (platform-wide: an address,
    not a marketplace, bounces). Stored once per provider event id."""

    class Kind(models.TextChoices):
        HARD = "hard", "Hard (the address does not exist)"
        SOFT = "soft", "Soft (temporary)"

    event_id = models.CharField(max_length=120, unique=True)
    email = models.EmailField(db_index=True, help_text="Lower-cased.")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    diagnostic = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} bounce of {self.email} at {self.occurred_at:%Y-%m-%d %H:%M}"


class ContactCheckStatus(models.TextChoices):
    AWAITING = "awaiting", "Waiting for the homeowner's confirmation"
    CONFIRMED = "confirmed", "The homeowner confirmed (a staff dispute)"
    CREDITED = "credited", "Credited automatically"
    NO_SIGNAL = "no_signal", "No signal (a staff dispute)"


class ContactCheck(TenantModel):
    """A pro's unreachable-contact report and the signals that settle it (one per dispute)."""

    dispute = models.OneToOneField("billing.LeadDispute", on_delete=models.PROTECT, related_name="contact_check")
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey("leads.QuoteRequest", on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(help_text="The address the homeowner was asked at (lower-cased).")
    status = models.CharField(max_length=10, choices=ContactCheckStatus.choices, default=ContactCheckStatus.AWAITING)
    signal = models.CharField(max_length=20, blank=True, help_text="email_bounced or not_confirmed, once credited.")
    asked_at = models.DateTimeField()
    confirm_by = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["confirm_by"], name="contact_check_due_idx", condition=Q(status="awaiting")),
            models.Index(fields=["email"], name="contact_check_email_idx", condition=Q(status="awaiting")),
        ]

    def __str__(self) -> str:
        return f"Contact check of lead {self.lead_id} ({self.status})"
