"""``GET /api/v1/pro/stats/``: the pro's response rate, demotion, rank breakdown and history."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from marketplace.api.base import MarketplaceAPIView
from marketplace.api.permissions import IsProMember
from marketplace.errors import NotFound
from ranking import selectors
from ranking.api.serializers import ProStatsSerializer


class ProStatsView(MarketplaceAPIView):
    permission_classes = [IsProMember]

    @extend_schema(responses=ProStatsSerializer, summary="The pro's response rate, demotion and rank breakdown")
    def get(self, request):
        stats = selectors.pro_stats(marketplace=request.marketplace, pro_id=request.user.pro_id)
        if stats is None:
            raise NotFound()
        return Response(ProStatsSerializer(stats).data)
