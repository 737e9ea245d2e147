"""Accounts: every user belongs to one marketplace, except platform superusers."""

from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tenancy import Marketplace


class Role(models.TextChoices):
    HOMEOWNER = "homeowner", _("Homeowner")
    PRO = "pro", _("Pro member")
    STAFF = "staff", _("Marketplace staff")
    PLATFORM = "platform", _("Platform superuser")


class UserQuerySet(models.QuerySet["User"]):
    """Bulk writes of users make every process forget the cached rows they change
    (``marketplace.user_cache``); saves and deletes do so through signals."""

    def update(self, **kwargs: Any) -> int:
        from marketplace.user_cache import users_forget

        user_ids = list(self.values_list("pk", flat=True))
        rows = super().update(**kwargs)
        users_forget(user_ids)
        return rows

    update.alters_data = True  # type: ignore[attr-defined]

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        from marketplace.user_cache import users_forget

        objs = list(objs)
        rows = super().bulk_update(objs, fields, batch_size=batch_size)
        users_forget([obj.pk for obj in objs])
        return rows

    bulk_update.alters_data = True  # type: ignore[attr-defined]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def create_user(
        self,
        email: str,
        password: str | None = None,
        *,
        marketplace: Marketplace | None = None,
        role: str = Role.HOMEOWNER,
        **extra: Any,
    ) -> "User":
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), marketplace=marketplace, role=role, **extra)
        user.is_staff = role in (Role.STAFF, Role.PLATFORM)
        user.set_password(password)
        user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.pop("marketplace", None)
        return self.create_user(email, password, marketplace=None, role=Role.PLATFORM, is_superuser=True, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    _stored_is_active: bool | None  # as loaded from the database (set in from_db)

    email = models.EmailField(verbose_name=_("email"))
    name = models.CharField(verbose_name=_("name"), max_length=150, blank=True)
    marketplace = models.ForeignKey(
        Marketplace,
        verbose_name=_("marketplace"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(verbose_name=_("role"), max_length=20, choices=Role.choices, default=Role.HOMEOWNER)
    pro = models.ForeignKey(
        "pros.Pro", verbose_name=_("pro"), on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    is_active = models.BooleanField(verbose_name=_("is active"), default=True)
    is_staff = models.BooleanField(
        verbose_name=_("is staff"), default=False, help_text=_("May log into the admin site.")
    )
    date_joined = models.DateTimeField(verbose_name=_("date joined"), default=timezone.now)
    # Every JWT carries the version it was issued under; a password change or reset and a
    # deactivation bump it, so every outstanding access and refresh token dies at once.
    token_version = models.PositiveIntegerField(
        verbose_name=_("token version"),
        default=0,
        editable=False,
        help_text=_("Bumped on a password change and on deactivation: revokes every token."),
    )
    # The user's language for API messages, notifications and e-mail; blank: Accept-Language,
    # else the marketplace's default (marketplace/i18n.py).
    language = models.CharField(verbose_name=_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "marketplace",
                name="user_email_unique_per_marketplace",
                condition=Q(marketplace__isnull=False),
            ),
            models.UniqueConstraint(
                Lower("email"), name="user_platform_email_unique", condition=Q(marketplace__isnull=True)
            ),
            # Admin logins are by e-mail alone, so staff e-mails are unique platform-wide.
            models.UniqueConstraint(Lower("email"), name="user_staff_email_unique", condition=Q(is_staff=True)),
            models.CheckConstraint(
                name="user_marketplace_matches_role",
                condition=Q(role="platform", marketplace__isnull=True)
                | (~Q(role="platform") & Q(marketplace__isnull=False)),
            ),
            models.CheckConstraint(
                name="user_pro_iff_pro_role",
                condition=Q(role="pro", pro__isnull=False) | (~Q(role="pro") & Q(pro__isnull=True)),
            ),
            models.CheckConstraint(
                name="user_only_staff_roles_log_into_admin",
                condition=Q(is_staff=False) | Q(role__in=["staff", "platform"]),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # What was stored, so save() can tell a deactivation from any other save.
        instance._stored_is_active = dict(zip(field_names, values, strict=True)).get("is_active")
        return instance

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        if self.pk is not None:
            self._revoke_tokens_on_save = True  # a changed or reset password: old tokens die with it

    def save(self, *args, **kwargs) -> None:
        deactivated = getattr(self, "_stored_is_active", None) is True and not self.is_active
        revoke = self.pk is not None and (deactivated or getattr(self, "_revoke_tokens_on_save", False))
        super().save(*args, **kwargs)
        self._stored_is_active = self.is_active
        if revoke:
            self.tokens_revoke()

    def tokens_revoke(self) -> None:
        """Invalidate every access and refresh token issued to this user so far (one UPDATE,
        race-free: two concurrent bumps both count)."""
        type(self).objects.filter(pk=self.pk).update(token_version=models.F("token_version") + 1)
        self.token_version = type(self).objects.values_list("token_version", flat=True).get(pk=self.pk)
        self._revoke_tokens_on_save = False

    def is_staff_of(self, marketplace: Marketplace) -> bool:
        """Marketplace staff of this marketplace, or a platform superuser."""
        if not self.is_active:
            return False
        if self.is_superuser and self.role == Role.PLATFORM:
            return True
        return self.role == Role.STAFF and self.marketplace_id == marketplace.pk
