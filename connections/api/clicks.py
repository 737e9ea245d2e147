"""The tracked contact endpoints as lean views: plain Django functions on the click's hot path.

A click is the busiest request the product serves, and DRF adds nothing to it: no body to
parse, no serializer to render, no permission beyond the pro check. These functions do what
the DRF views in ``views.py`` declare — resolve the marketplace, identify an optional token's
user, throttle per client network, validate the attribution query, then one statement that
checks the pro and counts the click (``connections.services.connection_click``) — and answer
errors through the shared handler (``marketplace.api.errors.exception_handler``), rendered as
DRF renders them, so every answer is byte-for-byte what the DRF views answered.

The DRF classes (``ProPhoneView`` …) stay the documentation: ``lean_view`` gives the function
their ``cls``, so the schema generator, the route walker and the authorisation matrix read
them as before, and methods other than GET and HEAD (OPTIONS, the 405s) are still theirs.
"""

import functools
from collections.abc import Callable
from typing import Any, cast

import structlog
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.exceptions import Throttled
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from connections.api.serializers import AttributionQuerySerializer
from connections.models import CAMPAIGN_MAX_LENGTH, SOURCE_MAX_LENGTH, ConnectionKind
from connections.services import DIAL, PHONE, WEBSITE, ClickTarget, connection_click, dial_number
from marketplace.api.authentication import MarketplaceJWTAuthentication
from marketplace.api.errors import exception_handler
from marketplace.errors import NotFound
from marketplace.i18n import activate_for_request
from marketplace.models import Marketplace
from marketplace.network import public_web_url
from marketplace.tenancy import marketplace_from_request
from marketplace.tracked_links import tracked_link_read


class OptionalJWTAuthentication(MarketplaceJWTAuthentication):
    """Public links: a valid token identifies the visitor (so staff and the pro's own users are
    not counted); a missing, stale or foreign token simply means an anonymous visitor."""

    optional = True  # never answers 401 (the schema says so)

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            return None


class OptionalJWTScheme(OpenApiAuthenticationExtension):
    target_class = OptionalJWTAuthentication
    name = "jwtAuthOptional"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def safe_http_url(url: str) -> str | None:
    """The URL itself when the website click may redirect there (``public_web_url``: http(s),
    a host name or a public IP literal, nothing a browser would read differently), else None."""
    return url if _redirectable(url) else None


# ``public_web_url`` depends on the string alone (no DNS), and a pro's stored website (at most
# 500 characters) is clicked again and again: each one is judged once per process, not per click.
_redirectable = functools.lru_cache(maxsize=4096)(public_web_url)


class TelRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


# --- The request's pieces, as the DRF views had them ----------------------------------------

_AUTHENTICATION = OptionalJWTAuthentication()
_RENDERER = JSONRenderer()
_ALLOW = "GET, HEAD, OPTIONS"  # what the DRF views' Allow header said (their allowed methods)
_ATTRIBUTION_LIMITS = {
    "source": SOURCE_MAX_LENGTH,
    "utm_source": SOURCE_MAX_LENGTH,
    "utm_medium": SOURCE_MAX_LENGTH,
    "utm_campaign": CAMPAIGN_MAX_LENGTH,
}


def _visitor(request: HttpRequest) -> Any:
    """The token's user, else AnonymousUser: no token, no work (most clicks carry none)."""
    if jwt_settings.AUTH_HEADER_NAME in request.META:
        result = _AUTHENTICATION.authenticate(Request(request))
        if result is not None:
            return result[0]
    return AnonymousUser()


def _throttle(request: HttpRequest, documented: type[APIView]) -> None:
    """The documented view's throttles (per client network), as DRF's ``check_throttles``."""
    for throttle_class in documented.throttle_classes:
        throttle = throttle_class()
        if not throttle.allow_request(cast(Any, request), cast(Any, documented)):  # what they read: META, user
            raise Throttled(throttle.wait())


def _attribution(request: HttpRequest) -> dict[str, str] | None:
    """``source``/``utm_*`` as the serializer would clean them, without building it; None when
    anything is unusual (too long, a NUL, a surrogate): the serializer then has the last word."""
    values: dict[str, str] = {}
    for key, limit in _ATTRIBUTION_LIMITS.items():
        raw = request.GET.get(key)
        if raw is None:
            continue
        value = raw.strip()
        if len(value) > limit or "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
            return None
        values[key] = value
    return {
        "source": values.get("source") or values.get("utm_source") or "",
        "medium": values.get("utm_medium", ""),
        "campaign": values.get("utm_campaign", ""),
    }


def _is_prefetch(request: HttpRequest) -> bool:
    headers = request.headers
    purpose = f"{headers.get('Sec-Purpose', '')} {headers.get('Purpose', '')} {headers.get('X-Moz', '')}"
    return "prefetch" in purpose.lower()


def _error_response(exc: Exception) -> HttpResponse:
    """The shared handler's answer, rendered as DRF renders it; anything it does not answer
    (a bug) propagates to Django's 500."""
    response = exception_handler(exc, {})
    if response is None:
        raise exc
    response.accepted_renderer = _RENDERER
    response.accepted_media_type = "application/json"
    cast(Any, response).renderer_context = {}
    return response.render()


def _finish(response: HttpResponse) -> HttpResponse:
    response["Allow"] = _ALLOW
    response["Cache-Control"] = "no-store"  # every request must reach us to be counted
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- The click ------------------------------------------------------------------------------

Answer = Callable[[ClickTarget], HttpResponse]


def _click(
    request: HttpRequest,
    *,
    documented: type[APIView],
    marketplace: Marketplace | None,
    pro_id: int,
    kind: str,
    reveal: str,
    answer: Answer,
) -> HttpResponse:
    # The language as the DRF views set it, step by step, but only where it can change: an
    # unknown marketplace answers in Accept-Language as this product reads it; then
    # Accept-Language, else the marketplace's language; then a signed-in user's own.
    if marketplace is None:
        try:
            marketplace = marketplace_from_request(request)
        except Exception:
            activate_for_request(request)
            raise
    request.marketplace = marketplace  # type: ignore[attr-defined]  # what the throttle keys on
    activate_for_request(request)
    structlog.contextvars.bind_contextvars(marketplace=marketplace.slug)
    user = _visitor(request)
    request.user = user  # as DRF sets it: the cache-header middleware reads it
    if user.is_authenticated:
        activate_for_request(request, user=user)
    _throttle(request, documented)
    target_of: dict[str, Any] = {
        "marketplace": marketplace,
        "pro_id": pro_id,
        "kind": kind,
        "reveal": reveal,
        "user": user,
        "ip": BaseThrottle().get_ident(cast(Any, request)),  # honours REST_FRAMEWORK["NUM_PROXIES"]
        "user_agent": request.headers.get("User-Agent", ""),  # bots only: not part of the visitor
    }
    attribution = _attribution(request)
    if attribution is None:  # the serializer decides; a pro that may not answer is still 404 first
        query = AttributionQuerySerializer(data=request.GET)
        if not query.is_valid():
            target = connection_click(**target_of, count=False)
            if target is None:
                raise NotFound()
            answer(target)  # a website it may not redirect to is 404 before the 400, as ever
            query.is_valid(raise_exception=True)
        attribution = query.attribution()
    # HEAD probes and speculative prefetches are not a visitor's click.
    count = request.method == "GET" and not _is_prefetch(request)
    target = connection_click(
        **target_of,
        count=count,
        source=attribution["source"],
        medium=attribution["medium"],
        campaign=attribution["campaign"],
    )
    if target is None:
        raise NotFound()
    return answer(target)


def _phone_json(target: ClickTarget) -> HttpResponse:
    return HttpResponse(_RENDERER.render({"phone": target.phone}), content_type="application/json")


def _website_redirect(target: ClickTarget) -> HttpResponse:
    url = safe_http_url(target.website)
    if url is None:
        raise NotFound()
    response = HttpResponseRedirect(url)
    response["Referrer-Policy"] = "origin"
    return response


def _dial_redirect(target: ClickTarget) -> HttpResponse:
    return TelRedirect(f"tel:{dial_number(target.phone)}")


def link_marketplace(token: str, kind: str) -> tuple[Marketplace, int]:
    """The marketplace and pro a signed link names (never a header or the host), else 404."""
    link = tracked_link_read(token, kind=kind)
    if link is None:
        raise NotFound()
    active = Marketplace.objects.filter(is_active=True).select_related("policy")
    marketplace = active.filter(pk=link.marketplace_id).first()
    if marketplace is None:
        raise NotFound()
    return marketplace, link.pro_id


def pro_phone(request: HttpRequest, documented: type[APIView], pk: int) -> HttpResponse:
    return _click(
        request,
        documented=documented,
        marketplace=None,
        pro_id=pk,
        kind=ConnectionKind.PHONE_CLICK,
        reveal=PHONE,
        answer=_phone_json,
    )


def pro_website(request: HttpRequest, documented: type[APIView], pk: int) -> HttpResponse:
    return _click(
        request,
        documented=documented,
        marketplace=None,
        pro_id=pk,
        kind=ConnectionKind.WEBSITE_CLICK,
        reveal=WEBSITE,
        answer=_website_redirect,
    )


def website_link(request: HttpRequest, documented: type[APIView], token: str) -> HttpResponse:
    marketplace, pro_id = link_marketplace(token, "website")
    return _click(
        request,
        documented=documented,
        marketplace=marketplace,
        pro_id=pro_id,
        kind=ConnectionKind.WEBSITE_CLICK,
        reveal=WEBSITE,
        answer=_website_redirect,
    )


def phone_link(request: HttpRequest, documented: type[APIView], token: str) -> HttpResponse:
    marketplace, pro_id = link_marketplace(token, "phone")
    return _click(
        request,
        documented=documented,
        marketplace=marketplace,
        pro_id=pro_id,
        kind=ConnectionKind.PHONE_CLICK,
        reveal=DIAL,
        answer=_dial_redirect,
    )


def lean_view(handler: Callable[..., HttpResponse], documented: type[APIView]) -> Callable[..., HttpResponse]:
    """A URLconf callable: ``handler`` answers GET and HEAD; ``documented`` (the DRF view whose
    schema, throttles and authentication it follows) answers every other method and is what
    ``cls`` names for the schema generator and the route walker."""
    fallback = documented.as_view()

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return _finish(fallback(request, **kwargs))
        try:
            response = handler(request, documented, **kwargs)
        except Exception as exc:  # noqa: BLE001 - answered by the shared handler, or re-raised
            response = _error_response(exc)
        return _finish(response)

    view.cls = documented  # type: ignore[attr-defined]
    view.initkwargs = {}  # type: ignore[attr-defined]
    view.view_class = documented  # type: ignore[attr-defined]
    return view
