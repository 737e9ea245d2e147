from django.utils.translation import gettext
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings

from marketplace.api.tokens import MARKETPLACE_CLAIM, token_version_of
from marketplace.models import User
from marketplace.tenancy import marketplace_from_request
from marketplace.user_cache import user_cached, user_remember

__all__ = ["MARKETPLACE_CLAIM", "MarketplaceJWTAuthentication"]


class MarketplaceJWTAuthentication(JWTAuthentication):
    """JWT bearer auth whose token only works in the marketplace it was issued for, and only
    while the user's token version is the one it was issued under (a password change, reset or
    deactivation revokes every outstanding token).

    The user comes from ``marketplace.user_cache`` once warm (no query): the cached row is
    forgotten on every change to the user, so these checks see a deactivation, a password
    change, a revocation or a role change on the next request."""

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
        if getattr(user, "marketplace_id", None) == marketplace.pk:
            user._state.fields_cache["marketplace"] = marketplace  # ``user.marketplace`` without a query
        return user, token

    def get_user(self, validated_token):
        user_id = _user_id(validated_token.get(api_settings.USER_ID_CLAIM))
        if user_id is None or api_settings.CHECK_REVOKE_TOKEN:  # (that check needs the hash)
            return super().get_user(validated_token)
        cached = user_cached(user_id)
        if cached.user is not None and cached.user.is_active:
            return cached.user
        # A miss, or an inactive user: refused below with simplejwt's own error.
        user = super().get_user(validated_token)
        if isinstance(user, User):
            user_remember(user, version=cached.version)
        return user


def _user_id(claim: object) -> int | None:
    """The user id claim (simplejwt writes it as a string) as the primary key, else None."""
    if isinstance(claim, int) and not isinstance(claim, bool):
        return claim
    if isinstance(claim, str) and claim.isascii() and claim.isdigit() and len(claim) < 19:
        return int(claim)
    return None
