"""Error reporting: Sentry for Django and Celery, on when ``SENTRY_DSN`` is set (settings).

No personal data leaves: ``send_default_pii=False`` (no user, cookies or client address),
request bodies are never attached (they carry homeowners' contact details), and only two
tags are added: the request id (the same one the logs carry, propagated into Celery tasks by
django-structlog) and the marketplace slug.
"""

from __future__ import annotations

from typing import Any

import sentry_sdk
import structlog
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

TAGGED_CONTEXT = ("request_id", "marketplace")
# Bound for the logs by django-structlog, never sent: log lines reported as events (and their
# breadcrumbs) would otherwise carry the client's address.
PERSONAL_CONTEXT = ("ip",)
FILTERED = "[Filtered]"


def tag_event(event: Any, hint: Any) -> Any:
    """``before_send``: tag the event with the request id and marketplace bound for the logs,
    and scrub the client address wherever a log line carried it into the event."""
    context = structlog.contextvars.get_contextvars()
    tags = event.setdefault("tags", {})
    for key in TAGGED_CONTEXT:
        if context.get(key):
            tags[key] = str(context[key])
    personal = [str(context[key]) for key in PERSONAL_CONTEXT if context.get(key)]
    return _scrub(event, personal) if personal else event


def _scrub(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, FILTERED)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item, secrets) for item in value]
    return value


def sentry_init(
    *, dsn: str, environment: str, release: str = "", traces_sample_rate: float = 0.0, **options: Any
) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=tag_event,
        **options,
    )
