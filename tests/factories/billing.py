import factory

from billing.models import Charge, PaymentProfile, TopUp
from tests.factories.leads import LeadFactory
from tests.factories.marketplace import MarketplaceFactory
from tests.factories.pros import SAME_MARKETPLACE, ProFactory


class PaymentProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentProfile

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    gateway = "local"
    payment_method_token = "pm_card_visa"
    display = "Visa •••• 4242"


class ChargeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Charge

    marketplace = factory.SubFactory(MarketplaceFactory)
    lead = factory.SubFactory(LeadFactory, marketplace=SAME_MARKETPLACE)
    pro = factory.SelfAttribute("lead.pro")
    amount = 2500
    currency = factory.LazyAttribute(lambda o: o.marketplace.currency)
    status = "succeeded"
    idempotency_key = factory.Sequence(lambda n: f"test-charge-{n}")
    gateway = "local"
    payment_method_token = "pm_card_visa"


class TopUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TopUp

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    amount = 10000
    currency = factory.LazyAttribute(lambda o: o.marketplace.currency)
    idempotency_key = factory.Sequence(lambda n: f"test-topup-{n}")
    gateway = "local"
    payment_method_token = "pm_card_visa"
