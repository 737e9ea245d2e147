from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

from billing import auto_top_up, contact_checks, credits, disputes, stripe_webhooks, wallet
from billing.models import ContactCheck, ContactCheckStatus
from marketplace.i18n import language_for


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
    """Settle top-ups and balance refunds a crash or an outage left open (same key or
    provider reference)."""
    return {"top_ups": wallet.top_ups_recover(), "balance_refunds": wallet.balance_refunds_recover()}


@shared_task(name="billing.tasks.credits_unread_grant")
def credits_unread_grant() -> dict:
    """Credit fees for answers the homeowner never opened within the policy's window, fees
    paid twice for one job (the duplicate rule), and leads reported unreachable whose
    homeowner did not confirm the request in time."""
    return {
        "unread": credits.credits_unread_grant(),
        "duplicate": credits.credits_duplicate_grant(),
        "unreachable": contact_checks.contact_checks_sweep(),
    }


@shared_task(name="billing.tasks.wallet_auto_top_up", acks_late=True)
def wallet_auto_top_up(pro_id: int) -> str:
    """Top the pro's wallet up off-session if its consent, balance and monthly limit say so
    (``billing.auto_top_up``); a redelivery finds the top-up in flight or the balance above
    the threshold and does nothing."""
    return auto_top_up.auto_top_up_run(pro_id=pro_id)


@shared_task(name="billing.tasks.contact_confirmation_email_send", ignore_result=True)
def contact_confirmation_email_send(check_id: int) -> None:
    """Ask the homeowner to confirm a request a pro reported unreachable (sent on the
    notifications queue by ``contact_checks``). A bounce of it is a signal in itself."""
    check = ContactCheck.objects.filter(pk=check_id, status=ContactCheckStatus.AWAITING).first()
    if check is None:
        return
    homeowner = check.request.homeowner
    with translation.override(language_for(user=homeowner, accept_language="", marketplace=check.marketplace)):
        subject, body = contact_checks.confirmation_email(check)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [check.email])
