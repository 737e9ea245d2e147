"""HTTP response headers for the API (issue 12, item 11)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

API_PREFIX = "/api/"


class ApiCacheHeadersMiddleware:
    """API answers depend on who asks and in which marketplace: every one varies on
    ``Authorization`` and ``X-Marketplace``, and none sent with credentials (a bearer token or
    an admin session) may be stored by a browser or a shared cache: they carry contact details."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            return response
        patch_vary_headers(response, ("Authorization", "X-Marketplace"))
        user = getattr(request, "user", None)
        if "HTTP_AUTHORIZATION" in request.META or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response
