"""Domain errors: what services, selectors and models raise when a business rule refuses.

This module knows nothing about HTTP or DRF. Each class names a *kind* of refusal; the one
exception handler (``marketplace/api/errors.py``, ``STATUS_BY_ERROR``) maps the kind to an
HTTP status and the JSON error shape ``{"error": {"code", "message", "fields", ...extra}}``.
A service never names a status code: it picks the class that says what went wrong.

    raise Conflict("request_filled", "Enough pros have already accepted this job.")
    raise Invalid("invalid", "The request has invalid fields.", fields={"rating": ["1 to 5."]})
    raise PaymentRequired("payment_declined", "…", extra={"decline_code": "card_declined"})
    raise Unavailable("payment_provider_unavailable", "…", retry_after=30)

Catch ``DomainError`` to handle any of them (the admin shows ``message``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class DomainError(Exception):
    """A business-rule refusal with a machine-readable ``code`` and a human ``message``.

    - ``fields``: per-field messages (``{"email": ["Already registered."]}``).
    - ``extra``: more machine-readable keys clients rely on (``decline_code``, ``client_secret``…),
      sent next to ``code`` and ``message``.
    - ``retry_after``: seconds after which the same call may succeed (a transient refusal).
    """

    default_code: ClassVar[str] = "invalid"
    default_message: ClassVar[StrOrPromise] = _("The request is invalid.")

    def __init__(
        self,
        code: str | None = None,
        message: StrOrPromise | None = None,
        *,
        fields: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.code: str = code or self.default_code
        # Lazy (translated when the answer is rendered, in the request's language) or plain.
        self.message: StrOrPromise = message if message is not None else self.default_message
        self.fields: dict[str, Any] = fields or {}
        self.extra: dict[str, Any] = extra or {}
        self.retry_after = retry_after
        super().__init__(str(self.message))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class Invalid(DomainError):
    """The input breaks a rule (a field, a combination of fields, an unknown reference)."""

    default_code = "invalid"
    default_message = _("The request has invalid fields.")


class NotAuthenticated(DomainError):
    """Credentials are wrong, expired or missing."""

    default_code = "not_authenticated"
    default_message = _("Authentication credentials were not provided.")


class Forbidden(DomainError):
    """The actor is known but may not do this."""

    default_code = "permission_denied"
    default_message = _("You do not have permission to perform this action.")


class NotFound(DomainError):
    """Missing, or not the caller's: both answer the same (never leak another tenant's rows)."""

    default_code = "not_found"
    default_message = _("Not found.")


class Conflict(DomainError):
    """The state of things refuses the change (already accepted, filled, cancelled, taken…)."""

    default_code = "conflict"
    default_message = _("The request conflicts with the current state.")


class PaymentRequired(DomainError):
    """Money is needed first: no saved card, a declined card, an authentication to complete."""

    default_code = "payment_required"
    default_message = _("A payment is required.")


class Unprocessable(DomainError):
    """Well-formed but refused as a whole (e.g. an idempotency key reused for another request)."""

    default_code = "unprocessable"
    default_message = _("The request cannot be processed.")


class Unavailable(DomainError):
    """A dependency (payment provider, broker) is briefly away; retry after ``retry_after``."""

    default_code = "service_unavailable"
    default_message = _("The service is briefly unavailable; please retry.")
