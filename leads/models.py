"""Quote requests and the leads that offer them to pros."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import TenantModel
from marketplace.money import CURRENCY_CHOICES


class RequestSource(models.TextChoices):
    PROFILE = "profile", _("Profile (Get a Quote on one pro)")
    PLATFORM = "platform", _("Platform (find pros for me)")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")  # nothing left pending, or hired
    CANCELLED = "cancelled", _("Cancelled by the homeowner")


class QuoteRequest(TenantModel):
    homeowner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("homeowner"), on_delete=models.PROTECT, related_name="quote_requests"
    )
    category = models.ForeignKey(
        "pros.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(verbose_name=_("source"), max_length=10, choices=RequestSource.choices)
    target_pro = models.ForeignKey(
        "pros.Pro", verbose_name=_("target pro"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    postal_code = models.CharField(verbose_name=_("postal code"), max_length=16)
    area = models.CharField(verbose_name=_("area"), max_length=10)
    description = models.TextField(verbose_name=_("description"))
    budget_min = models.BigIntegerField(
        verbose_name=_("budget min"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    budget_max = models.BigIntegerField(
        verbose_name=_("budget max"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    start_date = models.DateField(verbose_name=_("start date"), null=True, blank=True)
    answers = models.JSONField(verbose_name=_("answers"), default=dict, blank=True)
    # Revealed to a pro only once its lead is accepted.
    contact_name = models.CharField(verbose_name=_("contact name"), max_length=150)
    contact_phone = models.CharField(verbose_name=_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(verbose_name=_("contact email"), blank=True)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    hired_pro = models.ForeignKey(
        "pros.Pro", verbose_name=_("hired pro"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quote request")
        verbose_name_plural = _("quote requests")
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
    NEW = "new", _("New lead")
    MATCHED = "matched", _("Matched lead")
    PROMOTION = "promotion", _("Promotion (auto-quote)")


class LeadStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    FILLED = "filled", _("Filled (capacity reached)")
    WITHDRAWN = "withdrawn", _("Withdrawn (request cancelled)")
    # Pay on mutual interest (Rule 14): a matched lead the pro answered for free; the homeowner
    # may connect (→ accepted, charged, contact revealed) until ``interest_expires_at``.
    INTERESTED = "interested", _("Interested (waiting for the homeowner)")
    LAPSED = "lapsed", _("Lapsed (the homeowner did not connect; free)")


class Lead(TenantModel):
    request = models.ForeignKey(QuoteRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="leads")
    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, related_name="leads")
    kind = models.CharField(verbose_name=_("kind"), max_length=10, choices=LeadKind.choices)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.PENDING
    )
    deadline = models.DateTimeField(
        verbose_name=_("deadline"), null=True, blank=True, help_text=_("UTC; null for promotion leads.")
    )
    # The contact fee quoted when the lead was offered; the charge uses exactly this.
    fee_amount = models.BigIntegerField(verbose_name=_("fee amount"), validators=[MinValueValidator(0)])
    fee_currency = models.CharField(verbose_name=_("fee currency"), max_length=3, choices=CURRENCY_CHOICES)
    quote_message = models.TextField(verbose_name=_("quote message"), blank=True)
    quote_price_min = models.BigIntegerField(
        verbose_name=_("quote price min"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    quote_price_max = models.BigIntegerField(
        verbose_name=_("quote price max"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    reject_reason = models.CharField(verbose_name=_("reject reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    responded_at = models.DateTimeField(verbose_name=_("responded at"), null=True, blank=True)
    # Set when the contact fee is paid (or is zero): only then does the pro see the contact.
    contact_revealed_at = models.DateTimeField(verbose_name=_("contact revealed at"), null=True, blank=True)
    # When the homeowner's client first read the request with this pro's answer (the accept's
    # message/quote, or an auto-quote): GET /quote-requests/{id}/. Unread answers are credited.
    answer_opened_at = models.DateTimeField(verbose_name=_("answer opened at"), null=True, blank=True)
    # Pay on mutual interest: until when the homeowner may connect with an interested pro,
    # and when it chose to (a connect whose payment failed keeps the interest: the pro's own
    # accept then completes it).
    interest_expires_at = models.DateTimeField(verbose_name=_("interest expires at"), null=True, blank=True)
    connect_requested_at = models.DateTimeField(verbose_name=_("connect requested at"), null=True, blank=True)
    # 1-based position in the matching ranking, for matched leads.
    rank_position = models.PositiveSmallIntegerField(verbose_name=_("rank position"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
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

    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(verbose_name=_("from status"), max_length=10, choices=LeadStatus.choices, blank=True)
    to_status = models.CharField(verbose_name=_("to status"), max_length=10, choices=LeadStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(verbose_name=_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["lead", "created_at"], name="lead_event_lead_idx")]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (gave up after retries)")
    SKIPPED = "skipped", _("Skipped (no address)")
    HELD = "held", _("Held by quiet hours (summed up when they end)")


class Notification(TenantModel):
    """An in-app notice to a pro; e-mail and webhook delivery are tracked on the row."""

    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.CASCADE, related_name="notifications")
    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=40)
    subject = models.CharField(verbose_name=_("subject"), max_length=200)
    body = models.TextField(verbose_name=_("body"), blank=True)
    payload = models.JSONField(verbose_name=_("payload"), default=dict, blank=True)
    # The subject and body in each language the pro's members read: {"fr-ca": {"subject", "body"}}.
    translations = models.JSONField(verbose_name=_("translations"), default=dict, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(verbose_name=_("read at"), null=True, blank=True)
    email_status = models.CharField(
        verbose_name=_("email status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    webhook_status = models.CharField(
        verbose_name=_("webhook status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    webhook_attempts = models.PositiveSmallIntegerField(verbose_name=_("webhook attempts"), default=0)
    webhook_last_error = models.CharField(verbose_name=_("webhook last error"), max_length=500, blank=True)
    push_status = models.CharField(
        verbose_name=_("push status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    push_attempts = models.PositiveSmallIntegerField(verbose_name=_("push attempts"), default=0)
    push_last_error = models.CharField(verbose_name=_("push last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["marketplace", "pro", "-created_at"], name="notification_feed_idx")]

    def __str__(self) -> str:
        return self.subject

    def text_in(self, language: str | None) -> tuple[str, str]:
        """Subject and body in ``language`` when a member reads it, else in the pro's language."""
        text = self.translations.get(language or "") or {}
        return text.get("subject") or self.subject, text.get("body", self.body)
