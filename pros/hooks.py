"""Hooks the pros app declares; higher apps plug into them in ``AppConfig.ready``
(mechanism: ``marketplace/hooks.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marketplace.hooks import provider

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from marketplace.models import User
    from pros.models import Pro


@provider
def reviewable_jobs(*, homeowner: User, pro: Pro) -> QuerySet[Any]:
    """The jobs (accepted leads of the homeowner's requests with this pro, oldest first) that are
    a real connection (Rule 16: hired, auto-quoted, or paid a non-zero fee) a review may rest
    on; ``leads`` registers it."""
    raise NotImplementedError
