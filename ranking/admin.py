"""Ranking admin: rank weights per marketplace, a pro ranking view with rate, demotion and
rank columns (and the leads behind each rate), daily snapshots, and an action that recomputes
a marketplace now. Weight changes and recomputes are audited (console.StaffAction)."""

import datetime as dt

from django.contrib import admin, messages
from django.db.models import DecimalField, ExpressionWrapper, F
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from console.admin_tools import AuditedSaveMixin, CsvExportMixin, admin_list_link
from console.audit import staff_action_record
from console.models import StaffActionKind
from marketplace.admin_base import ReadOnlyTenantAdmin, TenantAdmin
from marketplace.models import Marketplace
from ranking.models import ProDailySnapshot, ProRanking, RankingPolicy
from ranking.services import pro_stats_rollup

SCALE_FIELDS = ("review_volume_half", "response_time_half_hours", "activity_half_life_days")


def _recompute(modeladmin, request, marketplace_ids) -> None:
    for marketplace in Marketplace.objects.filter(pk__in=set(marketplace_ids)).order_by("slug"):
        result = pro_stats_rollup(marketplace=marketplace)
        note = " (no new/matched leads in the window: every pro left undemoted)" if result.lead_count == 0 else ""
        summary = (
            f"recomputed {result.pro_count} pros from {result.lead_count} leads; "
            f"{result.demoted_count} demoted ({len(result.newly_demoted)} new, {len(result.restored)} restored), "
            f"{result.at_risk_count} at risk{note}."
        )
        staff_action_record(
            actor=request.user,
            obj=marketplace,
            marketplace_id=marketplace.pk,
            kind=StaffActionKind.RANKS_RECOMPUTED,
            after={
                "pros": result.pro_count,
                "leads": result.lead_count,
                "demoted": result.demoted_count,
                "newly_demoted": sorted(result.newly_demoted),
                "restored": sorted(result.restored),
                "at_risk": result.at_risk_count,
            },
            note=summary,
        )
        modeladmin.message_user(request, f"{marketplace}: {summary}", messages.SUCCESS)


@admin.register(RankingPolicy)
class RankingPolicyAdmin(AuditedSaveMixin, TenantAdmin):
    list_display = ["marketplace", *RankingPolicy.WEIGHT_FIELDS, "updated_at"]
    fieldsets = [
        (None, {"fields": ["marketplace"]}),
        (
            _("Weights (relative; the score is their weighted mean, 0-100)"),
            {"fields": list(RankingPolicy.WEIGHT_FIELDS)},
        ),
        (_("Scales"), {"fields": list(SCALE_FIELDS)}),
    ]
    actions = ["recompute_now"]
    one_per_marketplace = True
    audited_fields = {StaffActionKind.RANKING_WEIGHTS_CHANGED: (*RankingPolicy.WEIGHT_FIELDS, *SCALE_FIELDS)}

    @admin.action(description=_("Recompute response rates and ranks of these marketplaces now"))
    def recompute_now(self, request, queryset):
        _recompute(self, request, queryset.values_list("marketplace_id", flat=True))


class ResponseRateFilter(admin.SimpleListFilter):
    """Rate bands against each pro's own marketplace threshold (``MarketplacePolicy``), on the
    exact counts of the last rollup (``ProStanding``) — the same test as demotion, so a pro at
    2 of 3 under a 0.667 threshold is below it even though its rounded rate reads 0.667."""

    title = _("response rate")
    parameter_name = "rate"
    BELOW, AT_OR_ABOVE, NONE = "below", "at_or_above", "none"

    def lookups(self, request, model_admin):
        return [
            (self.NONE, _("No figure (below minimum sample)")),
            (self.BELOW, _("Below the marketplace's threshold")),
            (self.AT_OR_ABOVE, _("At or above the marketplace's threshold")),
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


def rate_window_start(pro) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=pro.marketplace.policy.response_window_days)


@admin.register(ProRanking)
class ProRankingAdmin(CsvExportMixin, ReadOnlyTenantAdmin):
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
        "leads_behind_rate",
    ]
    list_filter = ["demoted", ResponseRateFilter, "tier", "paused", "suspended", "standing__at_risk"]
    search_fields = ["name", "slug", "members__email"]
    ordering = [F("rank_score").desc(), "pk"]  # type: ignore[list-item]  # Django accepts expressions
    list_select_related = ["standing", "marketplace__policy"]
    actions = ["recompute_now"]
    fields = (
        "name",
        "tier",
        "why",
        "leads_behind_rate",
        "response_rate",
        "median_response_seconds",
        "demoted",
        "demoted_since",
        "rank_score",
        "star_score",
        "review_count",
        "completeness",
        "paused",
        "suspended",
        "pro_link",
    )
    readonly_fields = fields
    csv_columns = [
        ("pro_id", "pk"),
        ("name", "name"),
        ("tier", "tier"),
        ("response_rate", "response_rate"),
        ("responded", lambda p: getattr(getattr(p, "standing", None), "responded_count", "")),
        ("due", lambda p: getattr(getattr(p, "standing", None), "due_count", "")),
        ("demoted", "demoted"),
        ("demoted_since", "demoted_since"),
        ("rank_score", "rank_score"),
        ("star_score", "star_score"),
    ]

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description=_("answered / due"))
    def responded_due(self, obj):
        standing = getattr(obj, "standing", None)
        return f"{standing.responded_count} / {standing.due_count}" if standing else "-"

    @admin.display(description=_("at risk"), boolean=True)
    def at_risk(self, obj):
        standing = getattr(obj, "standing", None)
        return bool(standing and standing.at_risk)

    @admin.display(description=_("leads behind the rate"))
    def leads_behind_rate(self, obj):
        return admin_list_link(
            "leads_lead",
            _("leads"),
            pro__id__exact=obj.pk,
            kind__in="new,matched",
            created_at__gte=timezone.localtime(rate_window_start(obj)).isoformat(timespec="seconds"),
        )

    @admin.display(description=_("why"))
    def why(self, obj):
        """The demotion test in words, on the counts of the last rollup."""
        policy = obj.marketplace.policy
        standing = getattr(obj, "standing", None)
        if standing is None:
            return _("Not computed yet: run “Recompute the marketplace of the selected pros now”.")
        threshold = policy.response_rate_threshold
        base = _(
            "Answered %(responded)s of %(due)s new/matched leads due in the last %(days)s days "
            "(threshold %(threshold)s, minimum sample %(sample)s). "
        ) % {
            "responded": standing.responded_count,
            "due": standing.due_count,
            "days": policy.response_window_days,
            "threshold": f"{threshold:.0%}",
            "sample": policy.response_min_sample,
        }
        if not policy.response_rate_demotion_enabled:
            return base + _("Demotion is off in this marketplace.")
        if standing.due_count < policy.response_min_sample:
            return base + _("Too few leads to judge: not demoted.")
        if obj.demoted:
            return base + _("Below the threshold: demoted (rank × %(factor)s).") % {"factor": policy.demotion_factor}
        if standing.at_risk:
            return base + _("One more missed lead would demote this pro.")
        return base + _("At or above the threshold.")

    @admin.display(description=_("pro"))
    def pro_link(self, obj):
        from django.urls import reverse

        return format_html('<a href="{}">{}</a>', reverse("admin:pros_pro_change", args=[obj.pk]), obj.name)

    @admin.action(description=_("Recompute the marketplace of the selected pros now"))
    def recompute_now(self, request, queryset):
        _recompute(self, request, queryset.values_list("marketplace_id", flat=True))


@admin.register(ProDailySnapshot)
class ProDailySnapshotAdmin(ReadOnlyTenantAdmin):
    list_display = ["pro", "day", "response_rate", "responded_count", "due_count", "demoted", "at_risk", "rank_score"]
    list_filter = ["day", "demoted", "at_risk"]
    search_fields = ["pro__name"]
    list_select_related = ["pro"]
    date_hierarchy = "day"
    autocomplete_fields = ["pro"]
