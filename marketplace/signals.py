"""Cache invalidation: a changed marketplace, policy or user is forgotten by every process
(``marketplace.tenancy``, ``marketplace.user_cache``). Connected in ``MarketplaceConfig.ready``;
``QuerySet.update``/``bulk_update`` of these models call the same functions (their querysets)."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def tenancy_changed(marketplace_id: int | None = None) -> None:
    """A marketplace or a policy changed (one by id, or any): this process forgets it now,
    every process once it commits."""
    from marketplace.tenancy import tenancy_changed_now, tenancy_changed_on_commit

    tenancy_changed_now(marketplace_id)
    transaction.on_commit(lambda: tenancy_changed_on_commit(marketplace_id))


def _tenancy_row_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from marketplace.models import Marketplace

    if sender is Marketplace:
        if kwargs.get("created"):
            return  # a new marketplace is in no cache (unknown names never are); a new policy may be
        tenancy_changed(instance.pk)
    else:
        tenancy_changed(instance.marketplace_id)


def _user_row_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from marketplace.user_cache import users_forget

    users_forget([instance.pk])


def connect() -> None:
    from marketplace.models import Marketplace, MarketplacePolicy, User

    for model in (Marketplace, MarketplacePolicy):
        post_save.connect(_tenancy_row_changed, sender=model, dispatch_uid=f"tenancy-saved-{model.__name__}")
        post_delete.connect(_tenancy_row_changed, sender=model, dispatch_uid=f"tenancy-deleted-{model.__name__}")
    post_save.connect(_user_row_changed, sender=User, dispatch_uid="user-cache-saved")
    post_delete.connect(_user_row_changed, sender=User, dispatch_uid="user-cache-deleted")
