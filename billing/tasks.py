from celery import shared_task

from billing import disputes, stripe_webhooks


@shared_task(name="billing.tasks.provider_event_process", acks_late=True)
def provider_event_process(event_id: int) -> str:
    return stripe_webhooks.provider_event_process(event_id=event_id)


@shared_task(name="billing.tasks.refunds_recover")
def refunds_recover() -> dict:
    """Finish refunds a crash or an outage left pending (same idempotency key)."""
    return disputes.refunds_recover()


@shared_task(name="billing.tasks.provider_events_redrive")
def provider_events_redrive() -> int:
    return stripe_webhooks.provider_events_redrive()
