"""Reads of the marketplace app. The marketplace is always an explicit argument."""

from __future__ import annotations

from marketplace.models import Marketplace, MarketplacePolicy


def marketplace_policy(marketplace: Marketplace, *, fresh: bool = False) -> MarketplacePolicy:
    """The marketplace's rulebook (DESIGN.md rules' switches and numbers): the one way to read it.

    Uses the row already loaded with the marketplace (``select_related("policy")``, as the
    request's marketplace is) unless ``fresh``: then it is read again (a periodic job that must
    see what staff changed since). A marketplace without a saved policy gets the defaults,
    unsaved, rather than an error.
    """
    if fresh:
        return MarketplacePolicy.objects.filter(marketplace=marketplace).first() or MarketplacePolicy(
            marketplace=marketplace
        )
    try:
        return marketplace.policy
    except MarketplacePolicy.DoesNotExist:
        return MarketplacePolicy(marketplace=marketplace)
