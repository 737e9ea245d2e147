import datetime as dt

import factory

from hours.models import Vacation, WorkingHours

from .marketplace import MarketplaceFactory
from .pros import ProFactory

SAME_MARKETPLACE = factory.SelfAttribute("..marketplace")


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    weekday = 0
    start = dt.time(9)
    end = dt.time(17)


class VacationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vacation

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    start_date = dt.date(2026, 12, 24)
    end_date = dt.date(2026, 12, 31)
