import factory

from pros.models import Category, Pro, ProArea, Review, Service
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


class ReviewFactory(factory.django.DjangoModelFactory):
    """A review on an accepted lead of the homeowner's request with the pro."""

    class Meta:
        model = Review

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    homeowner = factory.SubFactory(
        "tests.factories.marketplace.UserFactory", marketplace=SAME_MARKETPLACE, role="homeowner"
    )
    lead = factory.SubFactory(
        "tests.factories.leads.LeadFactory",
        marketplace=SAME_MARKETPLACE,
        pro=factory.SelfAttribute("..pro"),
        request__homeowner=factory.SelfAttribute("...homeowner"),
        status="accepted",
    )
    rating = 5
