from django.utils.translation import gettext
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from marketplace.api.tokens import MARKETPLACE_CLAIM, token_version_of
from marketplace.tenancy import marketplace_from_request

__all__ = ["MARKETPLACE_CLAIM", "MarketplaceJWTAuthentication"]


class MarketplaceJWTAuthentication(JWTAuthentication):
    """JWT bearer auth whose token only works in the marketplace it was issued for, and only
    while the user's token version is the one it was issued under (a password change, reset or
    deactivation revokes every outstanding token)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        marketplace = marketplace_from_request(request._request)
        if not getattr(user, "is_superuser", False) and token.get(MARKETPLACE_CLAIM) != marketplace.pk:
            raise AuthenticationFailed(gettext("This token belongs to another marketplace."), code="token_not_valid")
        if token_version_of(token) != getattr(user, "token_version", None):
            raise AuthenticationFailed(
                gettext("This token was revoked by a password change or deactivation."), code="token_not_valid"
            )
        return user, token
