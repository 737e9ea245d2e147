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
from django.utils.translation import gettext_lazy as _

from marketplace.models import TenantModel
from marketplace.money import CURRENCY_CHOICES


class AutoTopUpStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    NEEDS_ATTENTION = "needs_attention", _("Needs the pro's attention (a top-up needed authentication or failed)")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")


class AutoTopUp(TenantModel):
    """The pro's consent to automatic top-ups (one row per pro; withdrawn, not deleted)."""

    pro = models.OneToOneField("pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, related_name="auto_top_up")
    status = models.CharField(
        verbose_name=_("status"), max_length=16, choices=AutoTopUpStatus.choices, default=AutoTopUpStatus.ACTIVE
    )
    threshold = models.BigIntegerField(
        verbose_name=_("threshold"), help_text=_("Top up when a debit leaves the balance below this (minor units).")
    )
    amount = models.BigIntegerField(verbose_name=_("amount"), help_text=_("Each automatic top-up (minor units)."))
    monthly_limit = models.BigIntegerField(
        verbose_name=_("monthly limit"),
        help_text=_("At most this much in automatic top-ups per calendar month (the marketplace's time zone)."),
    )
    currency = models.CharField(verbose_name=_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    attention_reason = models.CharField(verbose_name=_("attention reason"), max_length=300, blank=True)
    attention_top_up = models.ForeignKey(
        "billing.TopUp",
        verbose_name=_("attention top up"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    consented_by = models.ForeignKey(
        "marketplace.User", verbose_name=_("consented by"), on_delete=models.PROTECT, related_name="+"
    )
    consented_at = models.DateTimeField(verbose_name=_("consented at"))
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("auto top up")
        verbose_name_plural = _("auto top ups")
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
        GIVEN = "given", _("Consent given")
        CHANGED = "changed", _("Consent changed")
        WITHDRAWN = "withdrawn", _("Consent withdrawn")
        NEEDS_ATTENTION = "needs_attention", _("Stopped: needs the pro's attention")

    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, related_name="+")
    action = models.CharField(verbose_name=_("action"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        "marketplace.User", verbose_name=_("actor"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    threshold = models.BigIntegerField(verbose_name=_("threshold"), null=True, blank=True)
    amount = models.BigIntegerField(verbose_name=_("amount"), null=True, blank=True)
    monthly_limit = models.BigIntegerField(verbose_name=_("monthly limit"), null=True, blank=True)
    currency = models.CharField(verbose_name=_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    note = models.CharField(verbose_name=_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("auto top up change")
        verbose_name_plural = _("auto top up changes")
        indexes = [models.Index(fields=["marketplace", "pro", "-created_at"], name="auto_top_up_change_pro_idx")]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"


class EmailBounce(models.Model):
    """A bounce reported by the e-mail provider's signed webhook (platform-wide: an address,
    not a marketplace, bounces). Stored once per provider event id."""

    class Kind(models.TextChoices):
        HARD = "hard", _("Hard (the address does not exist)")
        SOFT = "soft", _("Soft (temporary)")

    event_id = models.CharField(verbose_name=_("event id"), max_length=120, unique=True)
    email = models.EmailField(verbose_name=_("email"), db_index=True, help_text=_("Lower-cased."))
    kind = models.CharField(verbose_name=_("kind"), max_length=4, choices=Kind.choices)
    diagnostic = models.CharField(verbose_name=_("diagnostic"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    received_at = models.DateTimeField(verbose_name=_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("email bounce")
        verbose_name_plural = _("email bounces")

    def __str__(self) -> str:
        return f"{self.kind} bounce of {self.email} at {self.occurred_at:%Y-%m-%d %H:%M}"


class ContactCheckStatus(models.TextChoices):
    AWAITING = "awaiting", _("Waiting for the homeowner's confirmation")
    CONFIRMED = "confirmed", _("The homeowner confirmed (a staff dispute)")
    CREDITED = "credited", _("Credited automatically")
    NO_SIGNAL = "no_signal", _("No signal (a staff dispute)")


class ContactCheck(TenantModel):
    """A pro's unreachable-contact report and the signals that settle it (one per dispute)."""

    dispute = models.OneToOneField(
        "billing.LeadDispute", verbose_name=_("dispute"), on_delete=models.PROTECT, related_name="contact_check"
    )
    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(
        "leads.QuoteRequest", verbose_name=_("request"), on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField(
        verbose_name=_("email"), help_text=_("The address the homeowner was asked at (lower-cased).")
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=ContactCheckStatus.choices, default=ContactCheckStatus.AWAITING
    )
    signal = models.CharField(
        verbose_name=_("signal"),
        max_length=20,
        blank=True,
        help_text=_("email_bounced or not_confirmed, once credited."),
    )
    asked_at = models.DateTimeField(verbose_name=_("asked at"))
    confirm_by = models.DateTimeField(verbose_name=_("confirm by"))
    resolved_at = models.DateTimeField(verbose_name=_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact check")
        verbose_name_plural = _("contact checks")
        indexes = [
            models.Index(fields=["confirm_by"], name="contact_check_due_idx", condition=Q(status="awaiting")),
            models.Index(fields=["email"], name="contact_check_email_idx", condition=Q(status="awaiting")),
        ]

    def __str__(self) -> str:
        return f"Contact check of lead {self.lead_id} ({self.status})"
