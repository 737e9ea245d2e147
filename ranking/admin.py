"""Ranking admin: rank weights per marketplace, a pro ranking view with rate, demotion and
rank columns, daily snapshots, and an action that recomputes a marketplace now."""

from django.contrib import admin, messages
from django.db.models import DecimalField, ExpressionWrapper, F

from marketplace.admin_base import ReadOnlyTenantAdmin, TenantAdmin
from marketplace.models import Marketplace
from ranking.models import ProDailySnapshot, ProRanking, RankingPolicy
from ranking.services import pro_stats_rollup


def _recompute(modeladmin, request, marketplace_ids) -> None:
    for marketplace in Marketplace.objects.filter(pk__in=set(marketplace_ids)).order_by("slug"):
        result = pro_stats_rollup(marketplace=marketplace)
        note = " (no new/matched leads in the window: every pro left undemoted)" if result.lead_count == 0 else ""
        modeladmin.message_user(
            request,
            f"{marketplace}: recomputed {result.pro_count} pros from {result.lead_count} leads; "
            f"{result.demoted_count} demoted ({len(result.newly_demoted)} new, {len(result.restored)} restored), "
            f"{result.at_risk_count} at risk{note}.",
            messages.SUCCESS,
        )


@admin.register(RankingPolicy)
class RankingPolicyAdmin(TenantAdmin):
    list_display = ["marketplace", *RankingPolicy.WEIGHT_FIELDS, "updated_at"]
    fieldsets = [
        (None, {"fields": ["marketplace"]}),
        (
            "Weights (relative; the score is their weighted mean, 0-100)",
            {"fields": list(RankingPolicy.WEIGHT_FIELDS)},
        ),
        ("Scales", {"fields": ["review_volume_half", "response_time_half_hours", "activity_half_life_days"]}),
    ]
    actions = ["recompute_now"]

    @admin.action(description="Recompute response rates and ranks of these marketplaces now")
    def recompute_now(self, request, queryset):
        _recompute(self, request, queryset.values_list("marketplace_id", flat=True))


class ResponseRateFilter(admin.SimpleListFilter):
    """Rate bands against each pro's own marketplace threshold (``MarketplacePolicy``), on the
    exact counts of the last rollup (``ProStanding``) — the same test as demotion, so a pro at
    2 of 3 under a 0.667 threshold is below it even though its rounded rate reads 0.667."""

    title = "response rate"
    parameter_name = "rate"
    BELOW, AT_OR_ABOVE, NONE = "below", "at_or_above", "none"

    def lookups(self, request, model_admin):
        return [
            (self.NONE, "No figure (below minimum sample)"),
            (self.BELOW, "Below the marketplace's threshold"),
            (self.AT_OR_ABOVE, "At or above the marketplace's threshold"),
        ]

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            return queryset.filter(response_rate__isnull=True)
        if self.value() not in (self.BELOW, self.AT_OR_ABOVE):
            return queryset
        sampled = queryset.filter(standing__due_count__gte=F("marketplace__policy__response_min_sample"))
        needed = ExpressionWrapper(
            F("marketplace__policy__response_rate_threshold") * F("standing__due_count"),
            output_field=DecimalField(max_digits=20, decimal_places=3),
        )
        if self.value() == self.BELOW:
            return sampled.filter(standing__responded_count__lt=needed)
        return sampled.filter(standing__responded_count__gte=needed)


@admin.register(ProRanking)
class ProRankingAdmin(ReadOnlyTenantAdmin):
    list_display = [
        "name",
        "tier",
        "response_rate",
        "responded_due",
        "median_response_seconds",
        "demoted",
        "demoted_since",
        "at_risk",
        "rank_score",
        "star_score",
        "paused",
    ]
    list_filter = ["demoted", ResponseRateFilter, "tier", "paused", "suspended", "standing__at_risk"]
    search_fields = ["name", "slug"]
    ordering = [F("rank_score").desc(), "pk"]  # type: ignore[list-item]  # Django accepts expressions
    list_select_related = ["standing"]
    actions = ["recompute_now"]

    @admin.display(description="answered / due")
    def responded_due(self, obj):
        standing = getattr(obj, "standing", None)
        return f"{standing.responded_count} / {standing.due_count}" if standing else "-"

    @admin.display(description="at risk", boolean=True)
    def at_risk(self, obj):
        standing = getattr(obj, "standing", None)
        return bool(standing and standing.at_risk)

    @admin.action(description="Recompute the marketplace of the selected pros now")
    def recompute_now(self, request, queryset):
        _recompute(self, request, queryset.values_list("marketplace_id", flat=True))


@admin.register(ProDailySnapshot)
class ProDailySnapshotAdmin(ReadOnlyTenantAdmin):
    list_display = ["pro", "day", "response_rate", "responded_count", "due_count", "demoted", "at_risk", "rank_score"]
    list_filter = ["day", "demoted", "at_risk"]
    search_fields = ["pro__name"]
    list_select_related = ["pro"]
