from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from marketplace.api.base import MarketplaceAPIView
from marketplace.api.errors import ApplicationError
from marketplace.api.serializers import RefreshInput, RegisterInput, TokenInput, TokenPair, UserOutput
from marketplace.api.throttling import ScopedThrottle
from marketplace.auth_backends import MarketplaceEmailBackend
from marketplace.services.accounts import user_register
from marketplace.services.tokens import token_pair_issue, token_refresh


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
            raise ApplicationError("invalid_credentials", "E-mail or password is wrong.", status_code=401)
        return Response(token_pair_issue(user=user))


class TokenRefreshView(MarketplaceAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"

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
