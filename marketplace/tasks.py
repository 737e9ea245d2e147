import structlog
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.core.management import call_command
from django.utils import timezone

from marketplace.models import User
from marketplace.services.accounts import AccountEmail, password_reset_link, token_families_prune
from marketplace.services.idempotency import idempotency_records_prune

logger = structlog.get_logger(__name__)


@shared_task(name="marketplace.tasks.idempotency_keys_prune")
def idempotency_keys_prune() -> int:
    """Forget idempotency keys older than their TTL (clients retry within minutes)."""
    return idempotency_records_prune(older_than=timezone.now() - settings.IDEMPOTENCY_KEY_TTL)


@shared_task(name="marketplace.tasks.token_records_prune")
def token_records_prune() -> int:
    """Forget expired refresh tokens with their blacklist rows (simplejwt's own command) and
    the families that can no longer rotate."""
    call_command("flushexpiredtokens")
    return token_families_prune(older_than=timezone.now() - settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"])


@shared_task(name="marketplace.tasks.account_email_send", ignore_result=True)
def account_email_send(user_id: int, kind: str) -> None:
    """One account e-mail. Reset links are made here, in the worker, so no secret travels
    through the broker."""
    user = User.objects.filter(pk=user_id).select_related("marketplace").first()
    if user is None or (kind == AccountEmail.PASSWORD_RESET and not user.is_active):
        return
    site = user.marketplace.name if user.marketplace else "the platform"
    if kind == AccountEmail.WELCOME:
        subject, body = f"Welcome to {site}", f"Your {site} account for {user.email} is ready: sign in with it."
    elif kind == AccountEmail.REGISTRATION_ATTEMPT:
        subject = f"Someone tried to register at {site} with your e-mail"
        body = (
            f"Someone tried to create a new {site} account for {user.email}, which already has one; nothing "
            f"was changed. If it was you, sign in, or choose a new password here:\n\n{password_reset_link(user)}\n\n"
            "If it was not you, you can ignore this e-mail."
        )
    elif kind == AccountEmail.PASSWORD_RESET:
        subject = f"Reset your {site} password"
        body = (
            f"Choose a new password for {user.email} here:\n\n{password_reset_link(user)}\n\n"
            "If you did not ask for this, ignore this e-mail: your password stays as it is."
        )
    elif kind == AccountEmail.PASSWORD_CHANGED:
        subject = f"Your {site} password was changed"
        body = f"The password of {user.email} was changed and every device was signed out."
    else:
        logger.error("account_email_unknown_kind", kind=kind)
        return
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
