"""Which marketplace a request is for: the ``X-Marketplace`` header, else the host."""

from typing import Any, cast

from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from marketplace.errors import NotFound
from marketplace.models import Marketplace

HEADER = "X-Marketplace"


def marketplace_from_request(request: HttpRequest) -> Marketplace:
    """The active marketplace named by the request, or a 404 ``marketplace_not_found``."""
    cached = getattr(request, "_marketplace", None)
    if cached is not None:
        return cached
    slug = request.headers.get(HEADER, "").strip().lower()
    marketplaces = Marketplace.objects.filter(is_active=True).select_related("policy")
    if slug:
        marketplace = marketplaces.filter(slug=slug).first()
    else:
        marketplace = marketplaces.filter(domain=request.get_host().split(":")[0].lower()).first()
    if marketplace is None:
        raise NotFound(
            "marketplace_not_found",
            format_lazy(_("Unknown marketplace. Send the {header} header with a marketplace slug."), header=HEADER),
        )
    cast(Any, request)._marketplace = marketplace  # resolved once per request
    return marketplace
