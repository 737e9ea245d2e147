from django.db import transaction

from marketplace.models import Marketplace, MarketplacePolicy


@transaction.atomic
def marketplace_ensure(*, slug: str, defaults: dict, policy: dict) -> tuple[Marketplace, bool]:
    """Create a marketplace with its policy, or leave an existing one as staff left it."""
    marketplace, created = Marketplace.objects.get_or_create(slug=slug, defaults=defaults)
    MarketplacePolicy.objects.get_or_create(marketplace=marketplace, defaults=policy)
    return marketplace, created
