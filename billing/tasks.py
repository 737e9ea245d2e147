from celery import shared_task

from billing import credits, disputes, stripe_webhooks, wallet


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


@shared_task(name="billing.tasks.top_ups_recover")
def top_ups_recover() -> dict:
    """Settle top-ups a crash or an outage left open (same key or provider reference)."""
    return wallet.top_ups_recover()


@shared_task(name="billing.tasks.credits_unread_grant")
def credits_unread_grant() -> int:
    """Credit fees for answers the homeowner never opened within the policy's window."""
    return credits.credits_unread_grant()
