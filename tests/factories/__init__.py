"""factory_boy factories. Related rows stay in the parent's marketplace by default.

Each app's factories live in their own module here and are re-exported below; the route
walker finds every DjangoModelFactory in this package by model, so a new model's factory
automatically makes its endpoints walkable.
"""

from .billing import ChargeFactory, PaymentProfileFactory, TopUpFactory
from .connections import ClickGateFactory, ConnectionDailyFactory, ConnectionEventFactory
from .hours import VacationFactory, WorkingHoursFactory
from .leads import LeadFactory, NotificationFactory, QuoteRequestFactory
from .marketplace import MarketplaceFactory, UserFactory
from .payments import LeadDisputeFactory, RefundFactory
from .pros import CategoryFactory, ProAreaFactory, ProFactory, ReviewFactory, ServiceFactory
from .push import DeviceFactory
from .ranking import ProDailySnapshotFactory, ProStandingFactory, RankingPolicyFactory

__all__ = [
    "DeviceFactory",
    "VacationFactory",
    "WorkingHoursFactory",
    "CategoryFactory",
    "ChargeFactory",
    "ClickGateFactory",
    "ConnectionDailyFactory",
    "ConnectionEventFactory",
    "LeadDisputeFactory",
    "LeadFactory",
    "MarketplaceFactory",
    "NotificationFactory",
    "PaymentProfileFactory",
    "ProAreaFactory",
    "ProDailySnapshotFactory",
    "ProFactory",
    "ProStandingFactory",
    "QuoteRequestFactory",
    "RefundFactory",
    "ReviewFactory",
    "RankingPolicyFactory",
    "ServiceFactory",
    "TopUpFactory",
    "UserFactory",
]
