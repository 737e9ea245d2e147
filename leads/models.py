"""Quote requests and the leads that offer them to pros."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from marketplace.models import TenantModel
from marketplace.money import CURRENCY_CHOICES


class RequestSource(models.TextChoices):
    PROFILE = "profile", "Profile (Get a Quote on one pro)"
    PLATFORM = "platform", "Platform (find pros for me)"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"  # nothing left pending, or hired
    CANCELLED = "cancelled", "Cancelled by the homeowner"


class QuoteRequest(TenantModel):
    homeowner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quote_requests")
    category = models.ForeignKey("pros.Category", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=RequestSource.choices)
    target_pro = models.ForeignKey("pros.Pro", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    postal_code = models.CharField(max_length=16)
    area = models.CharField(max_length=10)
    description = models.TextField()
    budget_min = models.BigIntegerField(null=True, blank=True, validators=[MinValueValidator(0)])
    budget_max = models.BigIntegerField(null=True, blank=True, validators=[MinValueValidator(0)])
    start_date = models.DateField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    # Revealed to a pro only once its lead is accepted.
    contact_name = models.CharField(max_length=150)
    contact_phone = models.CharField(max_length=32, blank=True)
    contact_email = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    hired_pro = models.ForeignKey("pros.Pro", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="request_profile_has_target",
                condition=Q(source="profile", target_pro__isnull=False) | Q(source="platform", target_pro__isnull=True),
            ),
            models.CheckConstraint(
                name="request_budget_ordered",
                condition=Q(budget_min__isnull=True) | Q(budget_max__isnull=True) | Q(budget_min__lte=F("budget_max")),
            ),
        ]
        indexes = [
            # Duplicate detection: same homeowner, category, area and target within a window.
            models.Index(
                fields=["marketplace", "homeowner", "category", "area", "-created_at"], name="request_dup_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Request #{self.pk}"


class LeadKind(models.TextChoices):
    NEW = "new", "New lead"
    MATCHED = "matched", "Matched lead"
    PROMOTION = "promotion", "Promotion (auto-quote)"


class LeadStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    FILLED = "filled", "Filled (capacity reached)"
    WITHDRAWN = "withdrawn", "Withdrawn (request cancelled)"
    # Pay on mutual interest (Rule 14): a matched lead the pro answered for free; the homeowner
    # may connect (→ accepted, charged, contact revealed) until ``interest_expires_at``.
    INTERESTED = "interested", "Interested (waiting for the homeowner)"
    LAPSED = "lapsed", "Lapsed (the homeowner did not connect; free)"


class Lead(TenantModel):
    request = models.ForeignKey(QuoteRequest, on_delete=models.PROTECT, related_name="leads")
    pro = models.ForeignKey("pros.Pro", on_delete=models.PROTECT, related_name="leads")
    kind = models.CharField(max_length=10, choices=LeadKind.choices)
    status = models.CharField(max_length=10, choices=LeadStatus.choices, default=LeadStatus.PENDING)
    deadline = models.DateTimeField(null=True, blank=True, help_text="UTC; null for promotion leads.")
    # The contact fee quoted when the lead was offered; the charge uses exactly this.
    fee_amount = models.BigIntegerField(validators=[MinValueValidator(0)])
    fee_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    quote_message = models.TextField(blank=True)
    quote_price_min = models.BigIntegerField(null=True, blank=True, validators=[MinValueValidator(0)])
    quote_price_max = models.BigIntegerField(null=True, blank=True, validators=[MinValueValidator(0)])
    reject_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # Set when the contact fee is paid (or is zero): only then does the pro see the contact.
    contact_revealed_at = models.DateTimeField(null=True, blank=True)
    # When the homeowner's client first read the request with this pro's answer (the accept's
    # message/quote, or an auto-quote): GET /quote-requests/{id}/. Unread answers are credited.
    answer_opened_at = models.DateTimeField(null=True, blank=True)
    # Pay on mutual interest: until when the homeowner may connect with an interested pro,
    # and when it chose to (a connect whose payment failed keeps the interest: the pro's own
    # accept then completes it).
    interest_expires_at = models.DateTimeField(null=True, blank=True)
    connect_requested_at = models.DateTimeField(null=True, blank=True)
    # 1-based position in the matching ranking, for matched leads.
    rank_position = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "pro"], name="lead_one_per_request_pro"),
            models.CheckConstraint(name="lead_fee_non_negative", condition=Q(fee_amount__gte=0)),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="lead_expiry_idx", condition=Q(status="pending")),
            models.Index(fields=["marketplace", "pro", "-created_at"], name="lead_pro_recent_idx"),
            models.Index(fields=["request", "status"], name="lead_request_status_idx"),
            models.Index(
                fields=["interest_expires_at"], name="lead_interest_expiry_idx", condition=Q(status="interested")
            ),
        ]

    def __str__(self) -> str:
        return f"Lead #{self.pk} ({self.kind}, {self.status})"


class LeadEvent(TenantModel):
    """Append-only history of a lead: every status change, with who made it and why."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=LeadStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=LeadStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["lead", "created_at"], name="lead_event_lead_idx")]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up after retries)"
    SKIPPED = "skipped", "Skipped (no address)"
    HELD = "held", "Held by quiet hours (summed up when they end)"


class Notification(TenantModel):
    """An in-app notice to a pro; e-mail and webhook delivery are tracked on the row."""

    pro = models.ForeignKey("pros.Pro", on_delete=models.CASCADE, related_name="notifications")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    webhook_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    webhook_attempts = models.PositiveSmallIntegerField(default=0)
    webhook_last_error = models.CharField(max_length=500, blank=True)
    push_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    push_attempts = models.PositiveSmallIntegerField(default=0)
    push_last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["marketplace", "pro", "-created_at"], name="notification_feed_idx")]

    def __str__(self) -> str:
        return self.subject
