import factory

from push.models import Device

from .marketplace import MarketplaceFactory, UserFactory

SAME_MARKETPLACE = factory.SelfAttribute("..marketplace")


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    marketplace = factory.SubFactory(MarketplaceFactory)
    user = factory.SubFactory(UserFactory, marketplace=SAME_MARKETPLACE)
    platform = "android"
    token = factory.Sequence(lambda n: f"fcm-token-{n:04d}-" + "x" * 40)
