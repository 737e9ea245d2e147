import factory

from pros.models import Category, Pro, ProArea, Service
from tests.factories.marketplace import MarketplaceFactory

SAME_MARKETPLACE = factory.SelfAttribute("..marketplace")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    marketplace = factory.SubFactory(MarketplaceFactory)
    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class ProFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pro

    marketplace = factory.SubFactory(MarketplaceFactory)
    name = factory.Sequence(lambda n: f"Pro Business {n}")
    slug = factory.Sequence(lambda n: f"pro-business-{n}")


class ProAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProArea

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    area = "M5V"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    category = factory.SubFactory(CategoryFactory, marketplace=SAME_MARKETPLACE)
    title = factory.Sequence(lambda n: f"Service {n}")
