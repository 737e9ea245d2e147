"""Connection events (leads, clicks, exposures), their daily rollups and per-marketplace settings."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import Marketplace, TenantModel

SOURCE_MAX_LENGTH = 64
CAMPAIGN_MAX_LENGTH = 100
MAX_RETENTION_DAYS = 3660  # ten years; also bounds the dashboards' longest range


class ConnectionKind(models.TextChoices):
    PROFILE_LEAD = "profile_lead", _("Profile lead")
    MATCHED_LEAD = "matched_lead", _("Matched lead")
    PROMOTION_LEAD = "promotion_lead", _("Promotion lead")
    PHONE_CLICK = "phone_click", _("Phone click")
    WEBSITE_CLICK = "website_click", _("Website click")
    EXPOSURE = "exposure", _("Exposure (lead rejected)")


CLICK_KINDS = (ConnectionKind.PHONE_CLICK, ConnectionKind.WEBSITE_CLICK)


class ConnectionEvent(TenantModel):
    """One raw connection. Kept for the retention period, then pruned; dashboards read rollups."""

    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(verbose_name=_("kind"), max_length=20, choices=ConnectionKind.choices)
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    # Attribution, stored as data (never rendered unescaped): `source` or utm_source, etc.
    source = models.CharField(verbose_name=_("source"), max_length=SOURCE_MAX_LENGTH, blank=True, default="")
    medium = models.CharField(verbose_name=_("medium"), max_length=SOURCE_MAX_LENGTH, blank=True, default="")
    campaign = models.CharField(verbose_name=_("campaign"), max_length=CAMPAIGN_MAX_LENGTH, blank=True, default="")
    # "u:<user id>" or "a:<keyed hash of address + agent with a daily salt>"; never a raw address.
    visitor_key = models.CharField(verbose_name=_("visitor key"), max_length=80, blank=True, default="")

    class Meta:
        verbose_name = _("connection event")
        verbose_name_plural = _("connection events")
        constraints = [
            # The lead flow may record the same lead event twice (retries): it counts once.
            models.UniqueConstraint(
                fields=["lead", "kind"], name="connection_event_once_per_lead_kind", condition=Q(lead__isnull=False)
            ),
        ]
        indexes = [
            # Rollup scans one marketplace's time window; pruning deletes by age.
            models.Index(fields=["marketplace", "occurred_at"], name="connection_event_time_idx"),
            models.Index(fields=["pro", "kind", "-occurred_at"], name="connection_event_pro_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for pro #{self.pro_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class ClickGate(TenantModel):
    """The last counted click per (pro, kind, visitor): the dedupe window, race-free.

    A click is counted when an upsert here moves ``counted_at`` forward by at least the
    window; the row lock taken by ON CONFLICT DO UPDATE serialises concurrent clicks.
    """

    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(verbose_name=_("kind"), max_length=20, choices=ConnectionKind.choices)
    visitor_key = models.CharField(verbose_name=_("visitor key"), max_length=80)
    counted_at = models.DateTimeField(verbose_name=_("counted at"))

    class Meta:
        verbose_name = _("click gate")
        verbose_name_plural = _("click gates")
        constraints = [
            models.UniqueConstraint(fields=["pro", "kind", "visitor_key"], name="click_gate_unique_visitor"),
        ]
        indexes = [models.Index(fields=["counted_at"], name="click_gate_age_idx")]

    def __str__(self) -> str:
        return f"{self.kind} gate for pro #{self.pro_id}"


class ConnectionDaily(TenantModel):
    """Per pro, per local day (marketplace time zone), per kind and source: a count."""

    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(verbose_name=_("day"))
    kind = models.CharField(verbose_name=_("kind"), max_length=20, choices=ConnectionKind.choices)
    source = models.CharField(verbose_name=_("source"), max_length=SOURCE_MAX_LENGTH, blank=True, default="")
    count = models.PositiveIntegerField(verbose_name=_("count"), default=0)

    class Meta:
        verbose_name = _("daily connection count")
        verbose_name_plural = _("daily connection counts")
        constraints = [
            models.UniqueConstraint(fields=["pro", "day", "kind", "source"], name="connection_daily_unique"),
            models.CheckConstraint(name="connection_daily_count_non_negative", condition=Q(count__gte=0)),
        ]
        indexes = [
            # The pro dashboard reads one pro's days with kind, source and count: index-only.
            models.Index(
                fields=["marketplace", "pro", "day"],
                name="connection_daily_pro_idx",
                include=["kind", "source", "count"],
            ),
            models.Index(fields=["marketplace", "day"], name="connection_daily_mkt_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}: {self.count}"


class ConnectionSettings(models.Model):
    """Per-marketplace connection settings that MarketplacePolicy does not carry (yet).

    A row is optional: without one the defaults below apply.
    """

    DEFAULT_RETENTION_DAYS = 400
    DEFAULT_MAX_RANGE_DAYS = 366

    marketplace = models.OneToOneField(
        Marketplace, verbose_name=_("marketplace"), on_delete=models.CASCADE, related_name="connection_settings"
    )
    raw_event_retention_days = models.PositiveIntegerField(
        verbose_name=_("raw event retention days"),
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(7), MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text=_("Raw events older than this are pruned (their daily counts stay)."),
    )
    max_range_days = models.PositiveIntegerField(
        verbose_name=_("max range days"),
        default=DEFAULT_MAX_RANGE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text=_("Longest date range a dashboard request may ask for."),
    )

    class Meta:
        verbose_name = _("connection settings")
        verbose_name_plural = _("connection settings")
        constraints = [
            models.CheckConstraint(
                name="connection_settings_retention_min", condition=Q(raw_event_retention_days__gte=7)
            ),
            models.CheckConstraint(name="connection_settings_range_min", condition=Q(max_range_days__gte=1)),
            models.CheckConstraint(
                name="connection_settings_upper_bounds",
                condition=Q(raw_event_retention_days__lte=MAX_RETENTION_DAYS, max_range_days__lte=MAX_RETENTION_DAYS),
            ),
        ]

    def __str__(self) -> str:
        return f"Connection settings of {self.marketplace}"
