import factory

from billing.models import LeadDispute, Refund
from tests.factories.billing import ChargeFactory
from tests.factories.marketplace import MarketplaceFactory, UserFactory
from tests.factories.pros import SAME_MARKETPLACE


class LeadDisputeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadDispute

    marketplace = factory.SubFactory(MarketplaceFactory)
    charge = factory.SubFactory(ChargeFactory, marketplace=SAME_MARKETPLACE)
    lead = factory.SelfAttribute("charge.lead")
    pro = factory.SelfAttribute("charge.pro")
    reason = "fake_contact"
    opened_by = factory.SubFactory(UserFactory, marketplace=SAME_MARKETPLACE, role="staff")


class RefundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Refund

    marketplace = factory.SubFactory(MarketplaceFactory)
    charge = factory.SubFactory(ChargeFactory, marketplace=SAME_MARKETPLACE)
    lead = factory.SelfAttribute("charge.lead")
    pro = factory.SelfAttribute("charge.pro")
    amount = factory.SelfAttribute("charge.amount")
    currency = factory.SelfAttribute("charge.currency")
    idempotency_key = factory.Sequence(lambda n: f"test-refund-{n}")
    gateway = "local"
