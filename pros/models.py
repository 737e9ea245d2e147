"""Catalog (categories), pro businesses, their service areas and services."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import MembershipTier, TenantModel


class Category(TenantModel):
    """Two-level taxonomy per marketplace. Fees override the policy's per-kind defaults."""

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    slug = models.SlugField(verbose_name=_("slug"), max_length=80)
    name = models.CharField(verbose_name=_("name"), max_length=120)
    # Contact fee per lead kind in minor units; null → the marketplace policy's default.
    fee_new = models.BigIntegerField(
        verbose_name=_("fee new"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    fee_matched = models.BigIntegerField(
        verbose_name=_("fee matched"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    fee_promotion = models.BigIntegerField(
        verbose_name=_("fee promotion"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    # Job questions a request answers: [{"key": "rooms", "label": "...", "choices": ["1", "2"]}].
    questions = models.JSONField(verbose_name=_("questions"), default=list, blank=True)
    # Names and questions in the other languages; fallback per string to the base text
    # (pros/i18n.py): {"zh-hant": {"name": "水電", "questions": {"rooms": {"label": ..., "choices": {...}}}}}.
    translations = models.JSONField(verbose_name=_("translations"), default=dict, blank=True)
    is_active = models.BooleanField(verbose_name=_("is active"), default=True)

    @property
    def display_name(self) -> str:
        """The name in the active language (base name when not translated)."""
        from pros.i18n import category_name

        return category_name(self)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["marketplace", "slug"], name="category_slug_unique_per_marketplace"),
            models.CheckConstraint(
                name="category_fees_non_negative",
                condition=(Q(fee_new__isnull=True) | Q(fee_new__gte=0))
                & (Q(fee_matched__isnull=True) | Q(fee_matched__gte=0))
                & (Q(fee_promotion__isnull=True) | Q(fee_promotion__gte=0)),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Two levels: a subcategory's parent is a top-level category of the same marketplace."""
        if self.parent_id is None:
            return
        parent = self.parent
        assert parent is not None  # parent_id is set
        if self.pk is not None and parent.pk == self.pk:
            raise ValidationError({"parent": _("A category cannot be its own parent.")})
        if parent.parent_id is not None:
            raise ValidationError({"parent": _("Categories have two levels: choose a top-level category.")})
        if self.marketplace_id is not None and parent.marketplace_id != self.marketplace_id:
            raise ValidationError({"parent": _("Choose a category of the same marketplace.")})
        if self.pk is not None and Category.objects.filter(parent_id=self.pk).exists():
            raise ValidationError({"parent": _("This category has subcategories, so it stays top-level.")})


class Pro(TenantModel):
    """A pro business: one or more user accounts answer its leads."""

    name = models.CharField(verbose_name=_("name"), max_length=150)
    slug = models.SlugField(verbose_name=_("slug"), max_length=160)
    description = models.TextField(verbose_name=_("description"), blank=True)
    phone = models.CharField(verbose_name=_("phone"), max_length=32, blank=True)
    website = models.URLField(
        verbose_name=_("website"), max_length=500, blank=True, help_text=_("Website or social page (http/https).")
    )
    photos = models.JSONField(verbose_name=_("photos"), default=list, blank=True, help_text=_("Photo URLs."))
    tier = models.CharField(
        verbose_name=_("tier"), max_length=20, choices=MembershipTier.choices, default=MembershipTier.BASIC
    )
    paused = models.BooleanField(
        verbose_name=_("paused"), default=False, help_text=_("A paused pro receives no leads.")
    )
    suspended = models.BooleanField(
        verbose_name=_("suspended"), default=False, help_text=_("Suspended by staff: hidden and receives no leads.")
    )
    weekly_spend_cap = models.BigIntegerField(
        verbose_name=_("weekly spend cap"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Minor units per ISO week; empty = none."),
    )
    webhook_url = models.URLField(verbose_name=_("webhook url"), max_length=500, blank=True)
    webhook_secret = models.CharField(verbose_name=_("webhook secret"), max_length=64, blank=True)

    # Derived figures, written by their owners (reviews → Star Score; ranking rollup → rest).
    star_score = models.PositiveSmallIntegerField(
        verbose_name=_("star score"), default=0, validators=[MaxValueValidator(100)]
    )
    review_count = models.PositiveIntegerField(verbose_name=_("review count"), default=0)
    completeness = models.PositiveSmallIntegerField(
        verbose_name=_("completeness"), default=0, validators=[MaxValueValidator(100)]
    )
    response_rate = models.DecimalField(
        verbose_name=_("response rate"), max_digits=4, decimal_places=3, null=True, blank=True
    )
    median_response_seconds = models.PositiveIntegerField(
        verbose_name=_("median response seconds"), null=True, blank=True
    )
    demoted = models.BooleanField(verbose_name=_("demoted"), default=False)
    demoted_since = models.DateTimeField(verbose_name=_("demoted since"), null=True, blank=True)
    rank_score = models.FloatField(verbose_name=_("rank score"), default=0.0)
    last_active_at = models.DateTimeField(verbose_name=_("last active at"), null=True, blank=True)

    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("pro")
        verbose_name_plural = _("pros")
        constraints = [
            models.UniqueConstraint(fields=["marketplace", "slug"], name="pro_slug_unique_per_marketplace"),
            models.CheckConstraint(name="pro_star_score_0_100", condition=Q(star_score__gte=0, star_score__lte=100)),
            models.CheckConstraint(
                name="pro_spend_cap_non_negative",
                condition=Q(weekly_spend_cap__isnull=True) | Q(weekly_spend_cap__gte=0),
            ),
        ]
        indexes = [
            models.Index(fields=["marketplace", "-rank_score"], name="pro_rank_idx"),
            # The public list's whole order, listed pros only: a page (and the capped count)
            # walks it and stops, instead of sorting every pro of the marketplace.
            models.Index(
                "marketplace",
                F("rank_score").desc(),
                F("star_score").desc(),
                F("review_count").desc(),
                "id",
                name="pro_public_list_idx",
                condition=Q(suspended=False, paused=False),
            ),
            # The staff list's order (newest first), and its filters on the rare flags.
            models.Index(fields=["marketplace", "-created_at", "-id"], name="pro_staff_recent_idx"),
            models.Index(
                fields=["marketplace", "-created_at", "-id"], name="pro_staff_paused_idx", condition=Q(paused=True)
            ),
            models.Index(
                fields=["marketplace", "-created_at", "-id"],
                name="pro_staff_suspended_idx",
                condition=Q(suspended=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProArea(TenantModel):
    """An area code (postal scheme's area) a pro serves. A row each, so matching joins on it."""

    pro = models.ForeignKey(Pro, verbose_name=_("pro"), on_delete=models.CASCADE, related_name="areas")
    area = models.CharField(verbose_name=_("area"), max_length=10)

    class Meta:
        verbose_name = _("pro area")
        verbose_name_plural = _("pro areas")
        constraints = [models.UniqueConstraint(fields=["pro", "area"], name="pro_area_unique")]
        indexes = [models.Index(fields=["marketplace", "area", "pro"], name="pro_area_lookup_idx")]

    def __str__(self) -> str:
        return self.area


class Service(TenantModel):
    """A pro's offer in one category, its working conditions and its auto-quote."""

    pro = models.ForeignKey(Pro, verbose_name=_("pro"), on_delete=models.CASCADE, related_name="services")
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="services"
    )
    title = models.CharField(verbose_name=_("title"), max_length=150)
    description = models.TextField(verbose_name=_("description"), blank=True)
    price_min = models.BigIntegerField(
        verbose_name=_("price min"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    price_max = models.BigIntegerField(
        verbose_name=_("price max"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    promotion_enabled = models.BooleanField(verbose_name=_("promotion enabled"), default=False)

    # Working conditions. Empty areas → the pro's own areas.
    condition_areas = models.JSONField(verbose_name=_("condition areas"), default=list, blank=True)
    condition_budget_min = models.BigIntegerField(
        verbose_name=_("condition budget min"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    condition_budget_max = models.BigIntegerField(
        verbose_name=_("condition budget max"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    condition_lead_time_days = models.PositiveIntegerField(verbose_name=_("condition lead time days"), default=0)
    # Allowed answers per job question: {"rooms": ["1", "2"]}; a question not named is open.
    condition_attributes = models.JSONField(verbose_name=_("condition attributes"), default=dict, blank=True)

    auto_quote_price_min = models.BigIntegerField(
        verbose_name=_("auto quote price min"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    auto_quote_price_max = models.BigIntegerField(
        verbose_name=_("auto quote price max"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    auto_quote_message = models.TextField(verbose_name=_("auto quote message"), blank=True)

    is_active = models.BooleanField(verbose_name=_("is active"), default=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(fields=["pro", "category"], name="service_one_per_pro_category"),
            models.CheckConstraint(
                name="service_price_range_ordered",
                condition=Q(price_min__isnull=True) | Q(price_max__isnull=True) | Q(price_min__lte=F("price_max")),
            ),
            models.CheckConstraint(
                name="service_budget_range_ordered",
                condition=Q(condition_budget_min__isnull=True)
                | Q(condition_budget_max__isnull=True)
                | Q(condition_budget_min__lte=F("condition_budget_max")),
            ),
            models.CheckConstraint(
                name="service_auto_quote_range_ordered",
                condition=Q(auto_quote_price_min__isnull=True)
                | Q(auto_quote_price_max__isnull=True)
                | Q(auto_quote_price_min__lte=F("auto_quote_price_max")),
            ),
        ]
        indexes = [models.Index(fields=["marketplace", "category", "pro"], name="service_match_idx")]

    def __str__(self) -> str:
        return self.title


class Review(TenantModel):
    """A homeowner's rating of a pro it really connected with (DESIGN.md Rule 16): one per
    homeowner and pro (a second submission edits it); ``lead`` is the connection it rests on."""

    pro = models.ForeignKey(Pro, verbose_name=_("pro"), on_delete=models.CASCADE, related_name="reviews")
    homeowner = models.ForeignKey(
        "marketplace.User", verbose_name=_("homeowner"), on_delete=models.PROTECT, related_name="reviews"
    )
    lead = models.OneToOneField("leads.Lead", verbose_name=_("lead"), on_delete=models.PROTECT, related_name="review")
    rating = models.PositiveSmallIntegerField(
        verbose_name=_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(verbose_name=_("comment"), blank=True, max_length=4000)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    edited_at = models.DateTimeField(verbose_name=_("edited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="review_rating_1_5", condition=Q(rating__gte=1, rating__lte=5)),
            models.UniqueConstraint(fields=["pro", "homeowner"], name="review_one_per_homeowner_pro"),
        ]
        indexes = [models.Index(fields=["marketplace", "pro", "-created_at"], name="review_pro_recent_idx")]

    def __str__(self) -> str:
        return f"{self.rating}★ for {self.pro}"
