"""``Idempotency-Key`` on POSTs: a retry with the same key and body replays the response.

Flow: claim the key in its own committed transaction (the unique constraint settles races),
run the view, store its response. A different body under the same key → 422; a retry while
the first is still running → 409. A 5xx or a crash releases the key: a claim that never
finished becomes retryable after ``IDEMPOTENCY_STALE_AFTER``. Money operations keep their
own idempotency on top of this (a charge row per lead), so a released key never charges
twice.
"""

import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from marketplace.errors import Conflict, Invalid, Unprocessable
from marketplace.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotentReplay(Exception):
    def __init__(self, record: IdempotencyRecord) -> None:
        self.record = record

    def response(self) -> Response:
        response = Response(self.record.response_body, status=self.record.status_code)
        response["Idempotent-Replayed"] = "true"
        return response


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.get_full_path().encode())
    digest.update(request.body)
    return digest.hexdigest()


def idempotency_claim(request) -> IdempotencyRecord | None:
    """Claim the request's key, or raise IdempotentReplay / a 409 / a 422. None: no key."""
    key = request.headers.get(HEADER)
    if key is None or not request.user.is_authenticated:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Invalid(
            "invalid_idempotency_key",
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.",
            fields={HEADER: [_("Invalid length.")]},
        )
    fingerprint = _fingerprint(request)
    lookup = {"marketplace": request.marketplace, "user": request.user, "key": key}
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    **lookup, method=request.method, path=request.path[:500], fingerprint=fingerprint
                )
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(**lookup).first()
        if existing is None:
            continue  # released between our insert and our read: claim again
        if existing.fingerprint != fingerprint:
            raise Unprocessable("idempotency_key_reused", f"This {HEADER} was already used with a different request.")
        if existing.status_code is not None:
            raise IdempotentReplay(existing)
        if timezone.now() - existing.created_at < settings.IDEMPOTENCY_STALE_AFTER:
            raise Conflict(
                "idempotency_request_in_progress",
                _("A request with this key is still being processed; retry shortly."),
                retry_after=1,
            )
        # The first attempt died without an answer: take the claim over.
        IdempotencyRecord.objects.filter(pk=existing.pk, status_code__isnull=True).delete()
    raise Conflict("idempotency_conflict", _("Could not claim the idempotency key; retry."))


def idempotency_complete(record: IdempotencyRecord, response: Response) -> None:
    if response.status_code >= 500:
        record.delete()  # not an answer worth replaying: let the client retry
        return
    body = response.data if response.data is not None else None
    record.status_code = response.status_code
    record.response_body = json.loads(json.dumps(body, default=str))
    record.completed_at = timezone.now()
    record.save(update_fields=["status_code", "response_body", "completed_at"])
