from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from hours import selectors, services
from hours.api.serializers import VacationSerializer, WorkingHoursInput, WorkingHoursOutput
from hours.models import Vacation, WorkingHours
from marketplace.api.base import MarketplaceAPIView, TenantGenericViewSet
from marketplace.api.permissions import IsProMember


class WorkingHoursView(MarketplaceAPIView):
    """The pro's working week, in the marketplace's time zone; PUT replaces it whole."""

    permission_classes = [IsProMember]

    def _answer(self, request):
        pro = request.user.pro
        rows = list(selectors.working_hours_of(WorkingHours.objects.filter(marketplace=request.marketplace), pro=pro))
        schedule = selectors.schedule_for_pro(pro)
        data = {
            "time_zone": request.marketplace.time_zone,
            "weekly_hours": schedule.weekly_working().total_seconds() / 3600,
            "hours": rows,
        }
        return Response(WorkingHoursOutput(data).data)

    @extend_schema(responses={200: WorkingHoursOutput})
    def get(self, request):
        return self._answer(request)

    @extend_schema(request=WorkingHoursInput, responses={200: WorkingHoursOutput})
    def put(self, request):
        data = WorkingHoursInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.working_hours_replace(pro=request.user.pro, intervals=data.validated_data["hours"])
        return self._answer(request)


class VacationViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, TenantGenericViewSet):
    """The pro's vacations (inclusive dates): no leads are offered on them while the
    business-hours clock is on, and no working time passes."""

    permission_classes = [IsProMember]
    queryset = Vacation.objects.all()
    serializer_class = VacationSerializer

    def scope_queryset(self, queryset):
        pro = self.request.user.pro
        return selectors.vacations_of(queryset, pro=pro) if pro is not None else queryset.none()

    @extend_schema(request=VacationSerializer, responses={201: VacationSerializer})
    def create(self, request):
        data = VacationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vacation = services.vacation_create(pro=request.user.pro, **data.validated_data)
        return Response(VacationSerializer(vacation).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.vacation_delete(vacation=instance)
