import datetime as dt

import factory
from django.utils import timezone

from connections.models import ClickGate, ConnectionDaily, ConnectionEvent, ConnectionKind
from tests.factories.marketplace import MarketplaceFactory
from tests.factories.pros import SAME_MARKETPLACE, ProFactory


class ConnectionEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConnectionEvent

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    kind = ConnectionKind.PHONE_CLICK
    occurred_at = factory.LazyFunction(timezone.now)


class ClickGateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClickGate

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    kind = ConnectionKind.PHONE_CLICK
    visitor_key = factory.Sequence(lambda n: f"u:{n}")
    counted_at = factory.LazyFunction(timezone.now)


class ConnectionDailyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConnectionDaily

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    day = factory.LazyFunction(lambda: timezone.now().date() - dt.timedelta(days=1))
    kind = ConnectionKind.PROFILE_LEAD
    count = 1
