"""One error shape for every 4xx: ``{"error": {"code", "message", "fields"}}``."""

from typing import Any

import structlog
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from rest_framework import exceptions, status
from rest_framework.response import Response

from marketplace import errors

# One table: the kind of domain error → the HTTP status it answers. The most specific class
# wins (``isinstance`` in MRO order), so a subclass of Conflict answers 409 unless listed.
STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.Invalid: status.HTTP_400_BAD_REQUEST,
    errors.NotAuthenticated: status.HTTP_401_UNAUTHORIZED,
    errors.PaymentRequired: status.HTTP_402_PAYMENT_REQUIRED,
    errors.Forbidden: status.HTTP_403_FORBIDDEN,
    errors.NotFound: status.HTTP_404_NOT_FOUND,
    errors.Conflict: status.HTTP_409_CONFLICT,
    errors.Unprocessable: status.HTTP_422_UNPROCESSABLE_ENTITY,
    errors.Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    errors.DomainError: status.HTTP_400_BAD_REQUEST,
}


def status_for(exc: errors.DomainError) -> int:
    """The HTTP status a domain error answers (``STATUS_BY_ERROR``)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    raise TypeError(f"{type(exc).__name__} is not a DomainError")  # pragma: no cover


def domain_error_response(exc: errors.DomainError) -> Response:
    """The standard shape for a domain error; ``retry_after`` becomes ``Retry-After``."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return Response(error_body(exc.code, exc.message, exc.fields, **exc.extra), status=status_for(exc), headers=headers)


def error_body(code: str, message: StrOrPromise, fields: dict | None = None, **extra: Any) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


def _flatten_fields(detail: Any) -> dict:
    """DRF validation detail → ``{"field": ["message", ...]}``, nested paths kept as dicts."""
    if isinstance(detail, dict):
        return {
            key: _flatten_fields(value) if isinstance(value, dict) else _messages(value)
            for key, value in detail.items()
        }
    return {"non_field_errors": _messages(detail)}


def _messages(value: Any) -> list:
    if isinstance(value, list):
        out: list = []
        for item in value:
            out.extend(_messages(item) if not isinstance(item, dict) else [_flatten_fields(item)])
        return out
    return [str(value)]


_DEFAULT_CODES = {
    exceptions.NotAuthenticated: ("not_authenticated", _("Authentication credentials were not provided.")),
    exceptions.AuthenticationFailed: ("authentication_failed", None),
    exceptions.PermissionDenied: ("permission_denied", None),
    exceptions.NotFound: ("not_found", _("Not found.")),
    exceptions.MethodNotAllowed: ("method_not_allowed", None),
    exceptions.NotAcceptable: ("not_acceptable", None),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", None),
    exceptions.ParseError: ("parse_error", None),
    exceptions.Throttled: ("throttled", None),
}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    # rest_framework.views reads EXCEPTION_HANDLER (this module) at import: import it lazily.
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    from marketplace.api.idempotency import IdempotentReplay  # idempotency imports this module

    if isinstance(exc, IdempotentReplay):
        return exc.response()
    if isinstance(exc, errors.DomainError):
        set_rollback()
        return domain_error_response(exc)
    if isinstance(exc, OperationalError | InterfaceError):
        return database_unavailable(exc)
    if isinstance(exc, RequestDataTooBig):  # Django's own body bound, met before our parser's
        exc = exceptions.ParseError(_("The request body is too large."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django log it and answer 500

    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", _("The request has invalid fields."), _flatten_fields(exc.detail))
    else:
        code, message = next(
            ((c, m) for cls, (c, m) in _DEFAULT_CODES.items() if isinstance(exc, cls)),
            ("error", None),
        )
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        # simplejwt reports token problems with its own codes; keep them machine-readable.
        token_code = getattr(exc.detail, "get", lambda *_: None)("code") if isinstance(exc.detail, dict) else None
        if isinstance(exc.detail, dict):
            detail = str(exc.detail.get("detail", message or ""))
        response.data = error_body(
            token_code or code, message if message and code == "not_found" else detail or message or ""
        )
    return response


DATABASE_RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: Exception) -> Response:
    """The database went away mid-request (connection dropped, failover, restart): the
    transaction was rolled back, so answer a clean, retryable 503 instead of a 500, and drop
    the broken connection so the next query (and the next request) reconnects."""
    structlog.get_logger(__name__).warning("database_unavailable", error=str(exc)[:500])
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
    return Response(
        error_body("service_unavailable", _("The service is briefly unavailable; please retry.")),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def json_404(request, exception=None) -> JsonResponse:
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


def json_500(request) -> JsonResponse:
    return JsonResponse(error_body("server_error", _("Something went wrong on our side.")), status=500)


def json_400(request, exception=None) -> JsonResponse:
    return JsonResponse(error_body("bad_request", _("Bad request.")), status=400)


def json_403(request, exception=None) -> JsonResponse:
    return JsonResponse(error_body("permission_denied", _("Permission denied.")), status=403)
