"""JWT issue and rotation (djangorestframework-simplejwt tokens, our own rules around them).

Every token carries three claims of ours besides simplejwt's:

- ``mkt``: the marketplace it was issued in (refused in any other);
- ``tv``: the user's ``token_version`` when it was issued. A password change or reset and a
  deactivation bump the version (``User.tokens_revoke``), so every outstanding access and
  refresh token of the user stops working at once. The check is one integer comparison against
  the user row the authenticator loads anyway (or a cached copy of the version);
- ``fam``: the refresh-token family (one per login, ``TokenFamily``).

Rotation is single-use under races: the family row is locked, the presented token is spent
(blacklisted) and its child issued in one transaction, so of N concurrent refreshes with one
token exactly one succeeds. A spent token presented again is reuse: the family is revoked and
every refresh token descended from that login stops working (RFC 9700 §4.14.2).
"""

from typing import Any

import structlog
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from marketplace.errors import NotAuthenticated
from marketplace.models import Marketplace, TokenFamily, User

MARKETPLACE_CLAIM = "mkt"
TOKEN_VERSION_CLAIM = "tv"
FAMILY_CLAIM = "fam"

logger = structlog.get_logger(__name__)


def token_version_of(token: Any) -> int:
    """The user's token version a token was issued under (0 for tokens from before versions)."""
    return int(token.get(TOKEN_VERSION_CLAIM, 0))


def token_refused(message: str) -> NotAuthenticated:
    return NotAuthenticated("token_not_valid", message)


class _PresentedRefreshToken(RefreshToken):
    """A refresh token checked for signature, expiry and type, but not yet for the blacklist:
    ``token_refresh`` checks that itself under the family's lock, to tell reuse apart."""

    def check_blacklist(self) -> None:
        return None


def token_pair_issue(*, user: User) -> dict[str, str]:
    """A new login: a new family and its first refresh token, with an access token."""
    family = TokenFamily.objects.create(user=user)
    refresh = RefreshToken.for_user(user)  # recorded as outstanding
    refresh[MARKETPLACE_CLAIM] = user.marketplace_id
    refresh[TOKEN_VERSION_CLAIM] = user.token_version
    refresh[FAMILY_CLAIM] = family.pk
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def token_refresh(*, marketplace: Marketplace, raw_refresh: str) -> dict[str, str]:
    """Spend a refresh token and issue its child (and a new access token) in the same family.

    Raises a 401 ``token_not_valid`` for anything else: a bad or expired token, another
    marketplace's, an inactive user, a token older than the user's last password change, a
    revoked family, or a spent token (which revokes its family first).
    """
    try:
        refresh = _PresentedRefreshToken(raw_refresh)  # type: ignore[arg-type]  # simplejwt decodes a str
    except TokenError as exc:
        raise token_refused(str(exc)) from None
    if refresh.get(MARKETPLACE_CLAIM) != marketplace.pk:
        raise token_refused("Token belongs to another marketplace.")
    family_id = refresh.get(FAMILY_CLAIM)
    if family_id is None:
        raise token_refused("Token predates refresh-token families; log in again.")
    user_id = refresh.get(api_settings.USER_ID_CLAIM)
    jti = refresh[api_settings.JTI_CLAIM]

    reused = False
    with transaction.atomic():
        family = TokenFamily.objects.select_for_update().filter(pk=family_id, user_id=user_id).first()
        if family is None or family.revoked_at is not None:
            raise token_refused("Token has been revoked.")
        if BlacklistedToken.objects.filter(token__jti=jti).exists():
            # Already rotated: whoever holds it now is not the holder of the live child, or is
            # and lost a race. Either way the family can no longer be trusted.
            token_family_revoke(family=family, reason="reuse")
            reused = True
        else:
            user = User.objects.filter(pk=user_id, marketplace=marketplace).first()
            if user is None or not user.is_active:
                raise token_refused("The account is no longer active.")
            if token_version_of(refresh) != user.token_version:
                raise token_refused("Token was revoked by a password change or deactivation.")
            outstanding, _ = OutstandingToken.objects.get_or_create(
                jti=jti,
                defaults={
                    "user": user,
                    "token": raw_refresh,
                    "created_at": refresh.current_time,
                    "expires_at": datetime_from_epoch(refresh["exp"]),
                },
            )
            BlacklistedToken.objects.create(token=outstanding)  # spent
            access = str(refresh.access_token)
            refresh.set_jti()
            refresh.set_exp()
            refresh.set_iat()
            OutstandingToken.objects.create(
                user=user,
                jti=refresh[api_settings.JTI_CLAIM],
                token=str(refresh),
                created_at=refresh.current_time,
                expires_at=datetime_from_epoch(refresh["exp"]),
            )
            family.rotations += 1
            family.save(update_fields=["rotations", "rotated_at"])
    if reused:
        logger.warning("refresh_token_reused", family=family_id, user=user_id)
        raise token_refused("Token was already used; every token of this sign-in is revoked.")
    return {"access": access, "refresh": str(refresh)}


def token_family_revoke(*, family: TokenFamily, reason: str) -> None:
    """Revoke a family: none of its refresh tokens can be refreshed again."""
    family.revoked_at = timezone.now()
    family.revoked_reason = reason
    family.save(update_fields=["revoked_at", "revoked_reason"])
