"""``GET /api/v1/pro/stats/``: the pro's response rate, demotion, rank breakdown and history."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from hours.clock import working_time_between
from marketplace.api.base import MarketplaceAPIView
from marketplace.api.permissions import IsProMember
from marketplace.errors import NotFound
from pros.models import Pro
from ranking import selectors, services
from ranking.api.serializers import ProStatsSerializer
from ranking.models import ProStanding

STATS_LEADS_CAP = 200
HISTORY_DAYS = 90


class ProStatsView(MarketplaceAPIView):
    permission_classes = [IsProMember]

    @extend_schema(responses=ProStatsSerializer, summary="The pro's response rate, demotion and rank breakdown")
    def get(self, request):
        marketplace = request.marketplace
        pro = Pro.objects.filter(marketplace=marketplace, pk=request.user.pro_id).first()
        if pro is None:
            raise NotFound()
        now = timezone.now()
        policy = selectors.marketplace_policy_read(marketplace=marketplace)
        weights = selectors.ranking_policy_read(marketplace=marketplace)

        leads = selectors.pro_window_leads(marketplace=marketplace, pro=pro, policy=policy, now=now)
        counts = selectors.pro_response_counts(leads=leads)
        listed = list(leads[: STATS_LEADS_CAP + 1])
        total = counts.responded + counts.missed + counts.pending_in_time + counts.not_counted

        standing = ProStanding.objects.filter(marketplace=marketplace, pro=pro).first()
        factors, before, multiplier = selectors.rank_breakdown(
            pro=pro,
            weights=weights,
            policy=policy,
            responded=standing.responded_count if standing else 0,
            due=standing.due_count if standing else 0,
            as_of=standing.computed_at if standing else now,
        )
        category, area = selectors.pro_main_category_and_area(marketplace=marketplace, pro=pro)
        position = selectors.pro_rank_position(marketplace=marketplace, pro=pro, category=category, area=area)

        clock, schedule = selectors.pro_clock_explained(marketplace=marketplace, pro=pro, policy=policy, now=now)
        if schedule is not None:
            for lead in listed[:STATS_LEADS_CAP]:
                if lead.counts_as == "pending_in_time" and lead.deadline:
                    lead.working_seconds_left = int(working_time_between(schedule, now, lead.deadline).total_seconds())
        below = selectors.is_below_threshold(responded=counts.responded, due=counts.due, policy=policy)
        data = {
            "as_of": now,
            "response_rate": {
                "rate": selectors.response_rate(counts=counts, policy=policy),
                "responded": counts.responded,
                "due": counts.due,
                "missed": counts.missed,
                "pending_in_time": counts.pending_in_time,
                "not_counted": counts.not_counted,
                "median_response_seconds": pro.median_response_seconds,
                "threshold": policy.response_rate_threshold,
                "window_days": policy.response_window_days,
                "min_sample": policy.response_min_sample,
            },
            "demotion": {
                "enabled": policy.response_rate_demotion_enabled,
                "demoted": pro.demoted,
                "since": pro.demoted_since,
                "factor": policy.demotion_factor,
                "at_risk": selectors.is_at_risk(counts=counts, policy=policy),
                "responses_to_lift": services.responses_to_lift(
                    responded=counts.responded, due=counts.due, threshold=policy.response_rate_threshold
                )
                if below
                else 0,
                "reason": _demotion_reason(pro=pro, policy=policy, counts=counts, below=below),
            },
            "rank": {
                "score": pro.rank_score,
                "computed_at": standing.computed_at if standing else None,
                "factors": [f.__dict__ for f in factors],
                "score_before_demotion": before,
                "demotion_multiplier": multiplier,
                "position": {
                    "category": {"id": category.pk, "slug": category.slug, "name": category.display_name}
                    if category
                    else None,
                    "area": area,
                    "position": position[0] if position else None,
                    "of": position[1] if position else None,
                },
            },
            "history": list(selectors.pro_snapshots(marketplace=marketplace, pro=pro, days=HISTORY_DAYS)),
            "leads": {"count": total, "truncated": len(listed) > STATS_LEADS_CAP, "results": listed[:STATS_LEADS_CAP]},
            "connections_url": "/api/v1/pro/connections/",
            "clock": clock,
        }
        return Response(ProStatsSerializer(data).data)


def _demotion_reason(*, pro, policy, counts, below: bool) -> str:
    threshold = f"{policy.response_rate_threshold * 100:.1f}%"
    if not policy.response_rate_demotion_enabled:
        return "Response-rate demotion is switched off in this marketplace."
    if counts.due < policy.response_min_sample:
        return (
            f"{counts.due} lead(s) due in the last {policy.response_window_days} days; no figure below "
            f"{policy.response_min_sample}, so no demotion."
        )
    answered = f"Answered {counts.responded} of {counts.due} due leads"
    if below and pro.demoted:
        return f"{answered}, below {threshold}: demoted until back at or above it."
    if below:
        return f"{answered}, below {threshold}: demoted on the next rollup."
    if pro.demoted:
        return f"{answered}, at or above {threshold}: restored on the next rollup."
    return f"{answered}, at or above {threshold}."
