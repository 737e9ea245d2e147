from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from marketplace.errors import Conflict, Invalid
from marketplace.hooks import pro_business_create
from marketplace.models import Marketplace, Role, User

SELF_SERVICE_ROLES = (Role.HOMEOWNER, Role.PRO)


@transaction.atomic
def user_register(
    *, marketplace: Marketplace, email: str, password: str, name: str, role: str, business_name: str = ""
) -> User:
    """Register a homeowner, or a pro member together with its new pro business.

    Registration never creates staff or superusers: those are made by the platform.
    """
    if role not in SELF_SERVICE_ROLES:
        raise Invalid("invalid", "The request has invalid fields.", fields={"role": ["Must be homeowner or pro."]})
    email = email.strip().lower()
    candidate = User(email=email, name=name, marketplace=marketplace, role=role)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise Invalid("invalid", "The request has invalid fields.", fields={"password": list(exc.messages)}) from None
    if User.objects.filter(marketplace=marketplace, email__iexact=email).exists():
        raise Conflict(
            "email_taken", "An account with this e-mail already exists.", fields={"email": ["Already registered."]}
        )
    pro_id = pro_business_create(marketplace=marketplace, name=business_name or name) if role == Role.PRO else None
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email, password, marketplace=marketplace, role=role, name=name, pro_id=pro_id
            )
    except IntegrityError:  # a concurrent registration won the race
        raise Conflict(
            "email_taken", "An account with this e-mail already exists.", fields={"email": ["Already registered."]}
        ) from None
