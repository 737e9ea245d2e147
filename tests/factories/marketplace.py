import factory

from marketplace.models import Marketplace, MarketplacePolicy, Role, User

PASSWORD = "correct-horse-battery-9"


class MarketplaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Marketplace
        django_get_or_create = ["slug"]
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"market-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    currency = "CAD"
    time_zone = "America/Toronto"
    postal_scheme = "ca_fsa"

    @factory.post_generation
    def policy(obj, create, extracted, **kwargs):
        if create:
            MarketplacePolicy.objects.get_or_create(marketplace=obj, defaults=kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    """role='pro' creates the pro business in the same marketplace unless one is given."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Faker("name")
    marketplace = factory.SubFactory(MarketplaceFactory)
    role = Role.HOMEOWNER
    is_staff = factory.LazyAttribute(lambda o: o.role in (Role.STAFF, Role.PLATFORM))
    pro = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role == Role.PRO),
        yes_declaration=factory.SubFactory(
            "tests.factories.pros.ProFactory", marketplace=factory.SelfAttribute("..marketplace")
        ),
        no_declaration=None,
    )
    password = factory.django.Password(PASSWORD)
