from django.db.models import QuerySet

from billing.models import Charge
from marketplace.models import Marketplace
from pros.models import Pro


def charges_for_pro(*, marketplace: Marketplace, pro: Pro) -> QuerySet[Charge]:
    return Charge.objects.filter(marketplace=marketplace, pro=pro).order_by("-created_at", "-pk")


def charges_queryset_for_pro(queryset: QuerySet[Charge], *, pro: Pro) -> QuerySet[Charge]:
    return queryset.filter(pro=pro).order_by("-created_at", "-pk")
