"""Rank weights per marketplace, each pro's standing and its daily history.

The figures themselves (response rate, demotion, rank score) live on ``pros.Pro`` so the pro
list sorts by an indexed column; this app owns how they are computed (``services.py``).
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import TenantModel
from pros.models import Pro

_weight = [MinValueValidator(0), MaxValueValidator(100)]
_positive = [MinValueValidator(1)]


class RankingPolicy(TenantModel):
    """Rank-score weights of one marketplace (Rule 7). Created with defaults on demand."""

    marketplace = models.OneToOneField(
        "marketplace.Marketplace",
        verbose_name=_("marketplace"),
        on_delete=models.CASCADE,
        related_name="ranking_policy",
    )
    weight_star_score = models.PositiveSmallIntegerField(
        verbose_name=_("weight star score"), default=30, validators=_weight
    )
    weight_review_volume = models.PositiveSmallIntegerField(
        verbose_name=_("weight review volume"), default=10, validators=_weight
    )
    weight_completeness = models.PositiveSmallIntegerField(
        verbose_name=_("weight completeness"), default=10, validators=_weight
    )
    weight_response_rate = models.PositiveSmallIntegerField(
        verbose_name=_("weight response rate"), default=25, validators=_weight
    )
    weight_response_time = models.PositiveSmallIntegerField(
        verbose_name=_("weight response time"), default=10, validators=_weight
    )
    weight_membership = models.PositiveSmallIntegerField(
        verbose_name=_("weight membership"), default=5, validators=_weight
    )
    weight_activity = models.PositiveSmallIntegerField(
        verbose_name=_("weight activity"), default=10, validators=_weight
    )
    review_volume_half = models.PositiveIntegerField(
        verbose_name=_("review volume half"),
        default=10,
        validators=_positive,
        help_text=_("Review count at which the volume factor reaches 0.5."),
    )
    response_time_half_hours = models.PositiveIntegerField(
        verbose_name=_("response time half hours"),
        default=4,
        validators=_positive,
        help_text=_("Median response time (hours) at which the time factor is 0.5."),
    )
    activity_half_life_days = models.PositiveIntegerField(
        verbose_name=_("activity half life days"),
        default=14,
        validators=_positive,
        help_text=_("Days of inactivity that halve the activity factor."),
    )
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    WEIGHT_FIELDS = (
        "weight_star_score",
        "weight_review_volume",
        "weight_completeness",
        "weight_response_rate",
        "weight_response_time",
        "weight_membership",
        "weight_activity",
    )

    class Meta:
        verbose_name = _("ranking policy")
        verbose_name_plural = _("ranking policies")
        constraints = [
            models.CheckConstraint(
                name="ranking_weights_0_100",
                condition=Q(
                    weight_star_score__lte=100,
                    weight_review_volume__lte=100,
                    weight_completeness__lte=100,
                    weight_response_rate__lte=100,
                    weight_response_time__lte=100,
                    weight_membership__lte=100,
                    weight_activity__lte=100,
                ),
            ),
            models.CheckConstraint(
                name="ranking_weights_sum_positive",
                condition=Q(weight_star_score__gt=0)
                | Q(weight_review_volume__gt=0)
                | Q(weight_completeness__gt=0)
                | Q(weight_response_rate__gt=0)
                | Q(weight_response_time__gt=0)
                | Q(weight_membership__gt=0)
                | Q(weight_activity__gt=0),
            ),
            models.CheckConstraint(
                name="ranking_scales_positive",
                condition=Q(review_volume_half__gte=1, response_time_half_hours__gte=1, activity_half_life_days__gte=1),
            ),
        ]

    def __str__(self) -> str:
        return f"Ranking policy of {self.marketplace}"

    def clean(self) -> None:
        if all(getattr(self, name) in (0, None) for name in self.WEIGHT_FIELDS):
            raise ValidationError(_("At least one rank weight must be positive."))

    @property
    def weight_total(self) -> int:
        return sum(getattr(self, name) for name in self.WEIGHT_FIELDS)


class ProStanding(TenantModel):
    """A pro's response-rate standing as of the last rollup: the counts and the warning state.

    ``at_risk`` is kept here so a warning is sent when it changes, not on every rollup.
    """

    pro = models.OneToOneField(
        "pros.Pro", verbose_name=_("pro"), on_delete=models.CASCADE, primary_key=True, related_name="standing"
    )
    responded_count = models.PositiveIntegerField(verbose_name=_("responded count"), default=0)
    due_count = models.PositiveIntegerField(verbose_name=_("due count"), default=0)
    at_risk = models.BooleanField(
        verbose_name=_("at risk"), default=False, help_text=_("One more missed lead would demote this pro.")
    )
    computed_at = models.DateTimeField(verbose_name=_("computed at"))

    class Meta:
        verbose_name = _("pro standing")
        verbose_name_plural = _("pro standings")

    def __str__(self) -> str:
        return f"Standing of pro {self.pro_id}"


class ProDailySnapshot(TenantModel):
    """One row per pro per (marketplace-local) day: the history the pro sees in its stats."""

    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.CASCADE, related_name="daily_snapshots")
    day = models.DateField(verbose_name=_("day"))
    responded_count = models.PositiveIntegerField(verbose_name=_("responded count"), default=0)
    due_count = models.PositiveIntegerField(verbose_name=_("due count"), default=0)
    response_rate = models.DecimalField(
        verbose_name=_("response rate"), max_digits=4, decimal_places=3, null=True, blank=True
    )
    median_response_seconds = models.PositiveIntegerField(
        verbose_name=_("median response seconds"), null=True, blank=True
    )
    demoted = models.BooleanField(verbose_name=_("demoted"), default=False)
    at_risk = models.BooleanField(verbose_name=_("at risk"), default=False)
    rank_score = models.FloatField(verbose_name=_("rank score"), default=0.0)
    star_score = models.PositiveSmallIntegerField(verbose_name=_("star score"), default=0)
    review_count = models.PositiveIntegerField(verbose_name=_("review count"), default=0)
    computed_at = models.DateTimeField(verbose_name=_("computed at"))

    class Meta:
        verbose_name = _("pro daily snapshot")
        verbose_name_plural = _("pro daily snapshots")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["pro", "day"], name="snapshot_one_per_pro_day")]
        indexes = [models.Index(fields=["marketplace", "day"], name="snapshot_marketplace_day_idx")]

    def __str__(self) -> str:
        return f"Pro {self.pro_id} on {self.day}"


class ProRanking(Pro):
    """Proxy of ``pros.Pro`` for the ranking admin (rate, demotion and rank columns)."""

    class Meta:
        proxy = True
        verbose_name = _("pro ranking")
        verbose_name_plural = _("pro rankings")


class DirtyPro(TenantModel):
    """A pro whose leads were answered since its figures were last computed. The answer's own
    transaction writes the row (so it commits or rolls back with the answer); the scheduled
    pass (``ranking/dirty.py``, every 20 seconds) takes the rows and recomputes those pros."""

    pro = models.OneToOneField(Pro, verbose_name=_("pro"), primary_key=True, on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField(verbose_name=_("marked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dirty pro")
        verbose_name_plural = _("dirty pros")

    def __str__(self) -> str:
        return f"Pro {self.pro_id} to refresh"
