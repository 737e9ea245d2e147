from .accounts import Role, User
from .idempotency import IdempotencyRecord
from .tenancy import Marketplace, MarketplacePolicy, MembershipTier, TenantModel, TenantQuerySet
from .tokens import TokenFamily

__all__ = [
    "IdempotencyRecord",
    "Marketplace",
    "MarketplacePolicy",
    "MembershipTier",
    "Role",
    "TenantModel",
    "TenantQuerySet",
    "TokenFamily",
    "User",
]
