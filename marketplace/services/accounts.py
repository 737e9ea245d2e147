"""Accounts: registration and passwords.

Registration does not reveal which e-mails have accounts: a new e-mail and a registered one get
the same answer, and the address's owner learns by e-mail what happened (a welcome, or "someone
tried to register with your address" with a reset link). Password changes and resets revoke
every token the user holds (``User.tokens_revoke`` through ``set_password``).
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from marketplace.errors import Invalid
from marketplace.hooks import pro_business_create
from marketplace.models import Marketplace, Role, TokenFamily, User

SELF_SERVICE_ROLES = (Role.HOMEOWNER, Role.PRO)


class AccountEmail:
    """Kinds of account e-mail (``marketplace.tasks.account_email_send``)."""

    WELCOME = "welcome"
    REGISTRATION_ATTEMPT = "registration_attempt"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGED = "password_changed"


def _invalid(field: str, messages: list[StrOrPromise]) -> Invalid:
    return Invalid("invalid", _("The request has invalid fields."), fields={field: messages})


def password_validate(password: str, *, user: User, field: str = "password") -> None:
    """Django's validators, with the user's e-mail and name for the similarity check."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise _invalid(field, list(exc.messages)) from None


def account_email_on_commit(*, user_id: int, kind: str) -> None:
    from marketplace.tasks import account_email_send  # the tasks module imports this one

    transaction.on_commit(lambda: account_email_send.delay(user_id, kind), robust=True)


@transaction.atomic
def user_register(
    *, marketplace: Marketplace, email: str, password: str, name: str, role: str, business_name: str = ""
) -> User | None:
    """Register a homeowner, or a pro member together with its new pro business.

    Returns the new user, or None when the e-mail is already registered in this marketplace:
    then nothing is created and the owner is told by e-mail. Callers answer both the same way.
    Registration never creates staff or superusers: those are made by the platform.
    """
    if role not in SELF_SERVICE_ROLES:
        raise _invalid("role", [_("Must be homeowner or pro.")])
    email = email.strip().lower()
    candidate = User(email=email, name=name, marketplace=marketplace, role=role)
    password_validate(password, user=candidate)
    existing = User.objects.filter(marketplace=marketplace, email__iexact=email).first()
    if existing is not None:
        make_password(password)  # the same hashing work as a new account: no timing oracle
        account_email_on_commit(user_id=existing.pk, kind=AccountEmail.REGISTRATION_ATTEMPT)
        return None
    try:
        with transaction.atomic():
            pro_id = (
                pro_business_create(marketplace=marketplace, name=business_name or name) if role == Role.PRO else None
            )
            user = User.objects.create_user(
                email, password, marketplace=marketplace, role=role, name=name, pro_id=pro_id
            )
    except IntegrityError:  # a concurrent registration won the race: the same answer
        existing = User.objects.filter(marketplace=marketplace, email__iexact=email).first()
        if existing is not None:
            account_email_on_commit(user_id=existing.pk, kind=AccountEmail.REGISTRATION_ATTEMPT)
        return None
    account_email_on_commit(user_id=user.pk, kind=AccountEmail.WELCOME)
    return user


@transaction.atomic
def password_change(*, user: User, current_password: str, new_password: str) -> User:
    """Change the password; every token the user held so far stops working."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(current_password):
        raise Invalid(
            "invalid_credentials",
            _("The current password is wrong."),
            fields={"current_password": [_("Wrong password.")]},
        )
    password_validate(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    account_email_on_commit(user_id=user.pk, kind=AccountEmail.PASSWORD_CHANGED)
    return user


def password_reset_request(*, marketplace: Marketplace, email: str) -> None:
    """E-mail a reset link if an active account has this e-mail here; say nothing either way."""
    user = User.objects.filter(marketplace=marketplace, email__iexact=email.strip(), is_active=True).first()
    if user is not None:
        account_email_on_commit(user_id=user.pk, kind=AccountEmail.PASSWORD_RESET)


def password_reset_link(user: User) -> str:
    """The link the reset e-mail carries (``PASSWORD_RESET_URL`` with uid and token filled in).
    The token is Django's: it dies once the password changes, the user logs in, or it expires."""
    return settings.PASSWORD_RESET_URL.format(
        marketplace=user.marketplace.slug if user.marketplace else "",
        uid=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )


@transaction.atomic
def password_reset_confirm(*, marketplace: Marketplace, uid: str, token: str, new_password: str) -> User:
    """Set a new password with a reset token; every token the user held stops working."""
    try:
        user_id = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError):
        user_id = None
    user = (
        User.objects.select_for_update().filter(pk=user_id, marketplace=marketplace, is_active=True).first()
        if user_id is not None and 0 < user_id < 2**63
        else None
    )
    if user is None or not default_token_generator.check_token(user, token):
        raise Invalid(
            "reset_token_invalid",
            _("This reset link is invalid or has expired; ask for a new one."),
            fields={"token": [_("Invalid or expired.")]},
        )
    password_validate(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    account_email_on_commit(user_id=user.pk, kind=AccountEmail.PASSWORD_CHANGED)
    return user


def token_families_prune(*, older_than: datetime) -> int:
    """Forget refresh-token families that rotated last before ``older_than`` (the refresh
    lifetime ago): none of their tokens can be refreshed any more."""
    deleted, _ = TokenFamily.objects.filter(rotated_at__lt=older_than).delete()
    return deleted


def user_language_set(*, user: User, language: str) -> User:
    """Save the user's language; one the product does not speak clears the preference
    (never an error: the request's Accept-Language, then the marketplace's language apply)."""
    from marketplace.i18n import supported

    user.language = supported(language) or ""
    user.save(update_fields=["language"])
    return user
