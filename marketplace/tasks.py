from celery import shared_task
from django.conf import settings
from django.utils import timezone

from marketplace.api.idempotency import idempotency_records_prune
from marketplace.services.tokens import token_records_prune as tokens_prune


@shared_task(name="marketplace.tasks.idempotency_keys_prune")
def idempotency_keys_prune() -> int:
    """Forget idempotency keys older than their TTL (clients retry within minutes)."""
    return idempotency_records_prune(older_than=timezone.now() - settings.IDEMPOTENCY_KEY_TTL)


@shared_task(name="marketplace.tasks.token_records_prune")
def token_records_prune() -> tuple[int, int]:
    """Forget expired refresh tokens (and their blacklist rows) and families that can no longer rotate."""
    return tokens_prune()
