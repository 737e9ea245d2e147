from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

from marketplace.api.authentication import MARKETPLACE_CLAIM
from marketplace.api.base import MarketplaceAPIView
from marketplace.api.serializers import RefreshInput, RegisterInput, TokenInput, TokenPair, UserOutput
from marketplace.api.throttling import ScopedThrottle
from marketplace.auth_backends import MarketplaceEmailBackend
from marketplace.errors import NotAuthenticated
from marketplace.models import User
from marketplace.services.accounts import user_register


def _token_pair_for(user) -> dict:
    refresh = RefreshToken.for_user(user)
    refresh[MARKETPLACE_CLAIM] = user.marketplace_id
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class RegisterView(MarketplaceAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"

    @extend_schema(request=RegisterInput, responses={201: UserOutput}, auth=[])
    def post(self, request):
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(marketplace=request.marketplace, **data.validated_data)
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)


class TokenObtainView(MarketplaceAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenInput, responses={200: TokenPair}, auth=[])
    def post(self, request):
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = MarketplaceEmailBackend().authenticate(
            request._request, marketplace=request.marketplace, **data.validated_data
        )
        if user is None:
            raise NotAuthenticated("invalid_credentials", "E-mail or password is wrong.")
        return Response(_token_pair_for(user))


class TokenRefreshView(MarketplaceAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"

    @extend_schema(request=RefreshInput, responses={200: TokenPair}, auth=[])
    def post(self, request):
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            refresh = RefreshToken(data.validated_data["refresh"])
            if refresh.get(MARKETPLACE_CLAIM) != request.marketplace.pk:
                raise TokenError("Token belongs to another marketplace.")
            user_id = refresh.get(api_settings.USER_ID_CLAIM)
            if not User.objects.filter(pk=user_id, marketplace=request.marketplace, is_active=True).exists():
                raise TokenError("The account is no longer active.")  # deactivated users get no new tokens
            access = str(refresh.access_token)
            refresh.blacklist()  # rotation: the old refresh token is spent
            refresh.set_jti()
            refresh.set_exp()
            refresh.set_iat()
        except TokenError as exc:
            raise NotAuthenticated("token_not_valid", str(exc)) from None
        return Response({"access": access, "refresh": str(refresh)})


class MeView(MarketplaceAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: UserOutput})
    def get(self, request):
        return Response(UserOutput(request.user).data)
