from celery import shared_task
from django.conf import settings
from django.utils import timezone

from marketplace.services.idempotency import idempotency_records_prune


@shared_task(name="marketplace.tasks.idempotency_keys_prune")
def idempotency_keys_prune() -> int:
    """Forget idempotency keys older than their TTL (clients retry within minutes)."""
    return idempotency_records_prune(older_than=timezone.now() - settings.IDEMPOTENCY_KEY_TTL)
