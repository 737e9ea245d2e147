import datetime as dt

import factory
from django.utils import timezone

from leads.models import Lead, Notification, QuoteRequest
from tests.factories.marketplace import MarketplaceFactory, UserFactory
from tests.factories.pros import SAME_MARKETPLACE, CategoryFactory, ProFactory


class QuoteRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuoteRequest

    marketplace = factory.SubFactory(MarketplaceFactory)
    homeowner = factory.SubFactory(UserFactory, marketplace=SAME_MARKETPLACE, role="homeowner")
    category = factory.SubFactory(CategoryFactory, marketplace=SAME_MARKETPLACE)
    source = "platform"
    postal_code = "M5V 3L9"
    area = "M5V"
    description = "Replace a leaking kitchen faucet."
    contact_name = "Pat Homeowner"
    contact_phone = "+1 416 555 0100"
    contact_email = "pat@example.test"


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    marketplace = factory.SubFactory(MarketplaceFactory)
    request = factory.SubFactory(QuoteRequestFactory, marketplace=SAME_MARKETPLACE)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    kind = "new"
    status = "pending"
    deadline = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=72))
    fee_amount = 2500
    fee_currency = factory.LazyAttribute(lambda o: o.marketplace.currency)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    marketplace = factory.SubFactory(MarketplaceFactory)
    pro = factory.SubFactory(ProFactory, marketplace=SAME_MARKETPLACE)
    kind = "lead.new"
    subject = "New lead"
    body = "A homeowner asked for a quote."
