import factory
from django.utils import timezone

from ranking.models import ProDailySnapshot, ProStanding, RankingPolicy
from tests.factories.marketplace import MarketplaceFactory
from tests.factories.pros import SAME_MARKETPLACE, ProFactory


class RankingPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RankingPolicy
        django_get_or_create = ["marketplace"]

    marketplace = factory.SubFactory(MarketplaceFactory)


class ProStandingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProStanding

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    computed_at = factory.LazyFunction(timezone.now)


class ProDailySnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProDailySnapshot

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    day = factory.LazyFunction(lambda: timezone.localdate())
    computed_at = factory.LazyFunction(timezone.now)
