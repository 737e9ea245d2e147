from django.contrib.auth.backends import ModelBackend
from rest_framework.throttling import BaseThrottle

from marketplace.models import Marketplace, User


class MarketplaceEmailBackend(ModelBackend):
    """E-mail login, always within one marketplace.

    The API passes the request's marketplace. The admin login form passes none; then only
    staff accounts (whose e-mails are unique platform-wide) can match.
    """

    def authenticate(self, request, username=None, password=None, email=None, marketplace=None, **kwargs):
        email = (email or username or "").strip().lower()
        if not email or password is None:
            return None
        users = User.objects.filter(email__iexact=email)
        if isinstance(marketplace, Marketplace):
            users = users.filter(marketplace=marketplace)
        else:
            users = users.filter(is_staff=True)
        user = users.first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials) -> str:
    """The account django-axes counts failures against: the e-mail, as logins compare it."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(value).strip().lower()


def client_address(request) -> str:
    """The client's address as the API throttles see it (only ``NUM_PROXIES`` forwarded hops
    are trusted), so a client cannot dodge the admin lockout by naming itself in a header."""
    return BaseThrottle().get_ident(request)
