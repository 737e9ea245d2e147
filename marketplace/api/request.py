"""The request type every ``/api/v1/`` view handles (``request.marketplace`` declared, not
monkey-patched out of sight)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.request import Request

from marketplace.models import Marketplace, User


class MarketplaceRequest(Request):
    """A DRF request of one marketplace.

    - ``marketplace``: resolved by ``MarketplaceAPIView.initial`` from the ``X-Marketplace``
      header or the host, before authentication (404 ``marketplace_not_found`` otherwise).
    - ``user``: typed as our ``User``: endpoints that read it require authentication through
      their permission classes (``IsProMember``, ``IsHomeowner``…); public endpoints never
      read it.

    Only a type: DRF builds the ``Request``; views annotate ``request: MarketplaceRequest``
    and the base classes declare ``self.request`` so.
    """

    marketplace: Marketplace

    if TYPE_CHECKING:

        @property
        def user(self) -> User: ...

        @user.setter
        def user(self, value: User) -> None: ...
