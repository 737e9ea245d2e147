from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from marketplace.api.base import MarketplaceAPIView
from marketplace.api.serializers import (
    MeUpdateInput,
    PasswordChangeInput,
    PasswordResetConfirmInput,
    PasswordResetInput,
    PasswordResetSent,
    RefreshInput,
    RegisterInput,
    RegistrationReceived,
    TokenInput,
    TokenPair,
    UserOutput,
)
from marketplace.api.throttling import ScopedThrottle
from marketplace.api.tokens import token_pair_issue, token_refresh
from marketplace.auth_backends import MarketplaceEmailBackend
from marketplace.errors import NotAuthenticated
from marketplace.i18n import activate_for_request
from marketplace.services.accounts import (
    password_change,
    password_reset_confirm,
    password_reset_request,
    user_language_set,
    user_register,
)


class AuthEndpoint(MarketplaceAPIView):
    """Anonymous account endpoints: no token needed, throttled per client address."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"


REGISTRATION_RECEIVED = (
    "Registration received: a message is on its way to this e-mail. If the address was new here, the account "
    "is ready and you can sign in; if it already had an account, nothing changed and its owner was told."
)


class RegisterView(AuthEndpoint):
    """Register a homeowner or a pro. A new e-mail and an already registered one get the same
    202 answer (registration does not reveal accounts); the address's owner is e-mailed."""

    @extend_schema(request=RegisterInput, responses={202: RegistrationReceived}, auth=[])
    def post(self, request):
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user_register(marketplace=request.marketplace, **data.validated_data)
        body = {"email": data.validated_data["email"].strip().lower(), "detail": REGISTRATION_RECEIVED}
        return Response(RegistrationReceived(body).data, status=status.HTTP_202_ACCEPTED)


class TokenObtainView(AuthEndpoint):
    @extend_schema(request=TokenInput, responses={200: TokenPair}, auth=[])
    def post(self, request):
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = MarketplaceEmailBackend().authenticate(
            request._request, marketplace=request.marketplace, **data.validated_data
        )
        if user is None:
            raise NotAuthenticated("invalid_credentials", "E-mail or password is wrong.")
        return Response(token_pair_issue(user=user))


class TokenRefreshView(AuthEndpoint):
    """Rotate: the refresh token is spent and its child returned. A spent token presented
    again revokes every refresh token of its sign-in."""

    @extend_schema(request=RefreshInput, responses={200: TokenPair}, auth=[])
    def post(self, request):
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(token_refresh(marketplace=request.marketplace, raw_refresh=data.validated_data["refresh"]))


class MeView(MarketplaceAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: UserOutput})
    def get(self, request):
        return Response(UserOutput(request.user).data)

    @extend_schema(request=MeUpdateInput, responses={200: UserOutput})
    def patch(self, request):
        data = MeUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_language_set(user=request.user, language=data.validated_data["language"])
        activate_for_request(request._request, user=user)  # answer in the language just chosen
        return Response(UserOutput(user).data)


class PasswordChangeView(MarketplaceAPIView):
    """Change the password: every token of the user (all devices) stops working, and this
    client gets a fresh pair."""

    permission_classes = [IsAuthenticated]
    idempotent_methods = ()  # the answer carries tokens: never stored for replay
    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"

    @extend_schema(request=PasswordChangeInput, responses={200: TokenPair})
    def post(self, request):
        data = PasswordChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = password_change(user=request.user, **data.validated_data)
        return Response(token_pair_issue(user=user))


PASSWORD_RESET_SENT = "If an account has this e-mail here, a message with a reset link is on its way."


class PasswordResetView(AuthEndpoint):
    """Ask for a reset link by e-mail. The answer is the same whether or not the e-mail has an account."""

    @extend_schema(request=PasswordResetInput, responses={202: PasswordResetSent}, auth=[])
    def post(self, request):
        data = PasswordResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_request(marketplace=request.marketplace, email=data.validated_data["email"])
        return Response(PasswordResetSent({"detail": PASSWORD_RESET_SENT}).data, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(AuthEndpoint):
    """Set a new password with the link's uid and token; every token of the user stops working."""

    @extend_schema(request=PasswordResetConfirmInput, responses={204: None}, auth=[])
    def post(self, request):
        data = PasswordResetConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_confirm(marketplace=request.marketplace, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
