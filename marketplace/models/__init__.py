from .accounts import Role, User
from .idempotency import IdempotencyRecord
from .policy import MarketplacePolicy
from .tenancy import Marketplace, MembershipTier, TenantModel
from .tokens import TokenFamily

__all__ = [
    "IdempotencyRecord",
    "Marketplace",
    "MarketplacePolicy",
    "MembershipTier",
    "Role",
    "TenantModel",
    "TokenFamily",
    "User",
]
