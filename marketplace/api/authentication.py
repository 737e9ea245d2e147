from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from marketplace.tenancy import marketplace_from_request

MARKETPLACE_CLAIM = "mkt"


class MarketplaceJWTAuthentication(JWTAuthentication):
    """JWT bearer auth whose token only works in the marketplace it was issued for."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        marketplace = marketplace_from_request(request._request)
        if not getattr(user, "is_superuser", False) and token.get(MARKETPLACE_CLAIM) != marketplace.pk:
            raise AuthenticationFailed("This token belongs to another marketplace.", code="token_not_valid")
        return user, token
