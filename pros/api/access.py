"""Who is acting, for endpoints of the pros app and the apps above it."""

from django.utils.translation import gettext_lazy as _

from marketplace.api.request import MarketplaceRequest
from marketplace.errors import Forbidden
from pros.models import Pro


def member_pro(request: MarketplaceRequest) -> Pro:
    """The pro business of the signed-in pro member. ``IsProMember`` already requires one;
    this says so to the type checker and refuses loudly should a view forget the permission."""
    pro = request.user.pro
    if pro is None:
        raise Forbidden("permission_denied", _("Only pro members can do this."))
    return pro


def member_pro_id(request: MarketplaceRequest) -> int:
    """``member_pro(request).pk`` without loading the pro (for a statement that only filters by it)."""
    pro_id = request.user.pro_id
    if pro_id is None:
        raise Forbidden("permission_denied", _("Only pro members can do this."))
    return pro_id
