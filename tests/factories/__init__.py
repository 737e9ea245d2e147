"""factory_boy factories. Related rows stay in the parent's marketplace by default.

Each app's factories live in their own module here and are re-exported below; the route
walker finds every DjangoModelFactory in this package by model, so a new model's factory
automatically makes its endpoints walkable.
"""

from .connections import ClickGateFactory, ConnectionDailyFactory, ConnectionEventFactory
from .leads import LeadFactory, QuoteRequestFactory
from .marketplace import MarketplaceFactory, UserFactory
from .pros import CategoryFactory, ProAreaFactory, ProFactory, ServiceFactory
from .ranking import ProDailySnapshotFactory, ProStandingFactory, RankingPolicyFactory

__all__ = [
    "CategoryFactory",
    "ClickGateFactory",
    "ConnectionDailyFactory",
    "ConnectionEventFactory",
    "LeadFactory",
    "MarketplaceFactory",
    "ProAreaFactory",
    "ProDailySnapshotFactory",
    "ProFactory",
    "ProStandingFactory",
    "QuoteRequestFactory",
    "RankingPolicyFactory",
    "ServiceFactory",
    "UserFactory",
]
