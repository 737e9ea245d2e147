"""Marketplaces (tenants) and the base every tenant-owned model uses. Their rulebook is
``marketplace/models/policy.py``."""

from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.money import CURRENCY_CHOICES
from marketplace.postal import PostalScheme


class MembershipTier(models.TextChoices):
    BASIC = "basic", _("Basic")
    BRAND_BUILDER = "brand_builder", _("Brand Builder")


def validate_time_zone(value: str) -> None:
    """An IANA zone name this Python knows ("America/Toronto"): every local day is computed in it."""
    if value not in available_timezones():
        raise ValidationError(
            _("%(zone)s is not a known IANA time zone, e.g. America/Toronto.") % {"zone": repr(value)}
        )


class TenancyQuerySet(models.QuerySet):
    """Bulk writes of marketplaces and policies also make every process forget its cached copy
    (``marketplace.tenancy``); saves and deletes do so through signals."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        _tenancy_changed()
        return rows

    update.alters_data = True  # type: ignore[attr-defined]

    def bulk_update(self, objs, fields, batch_size=None):
        rows = super().bulk_update(objs, fields, batch_size=batch_size)
        _tenancy_changed()
        return rows

    bulk_update.alters_data = True  # type: ignore[attr-defined]


def _tenancy_changed() -> None:
    from marketplace.signals import tenancy_changed

    tenancy_changed()


class Marketplace(models.Model):
    slug = models.SlugField(verbose_name=_("slug"), max_length=40, unique=True)
    name = models.CharField(verbose_name=_("name"), max_length=120)
    currency = models.CharField(verbose_name=_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    time_zone = models.CharField(
        verbose_name=_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    # The language of a request that names none (no saved user preference, no Accept-Language
    # the product speaks): one of settings.LANGUAGES.
    default_language = models.CharField(
        verbose_name=_("default language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    postal_scheme = models.CharField(verbose_name=_("postal scheme"), max_length=20, choices=PostalScheme.choices)
    # Optional host name that selects this marketplace without the X-Marketplace header.
    domain = models.CharField(verbose_name=_("domain"), max_length=253, unique=True, null=True, blank=True)
    is_active = models.BooleanField(verbose_name=_("is active"), default=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    objects = TenancyQuerySet.as_manager()

    class Meta:
        verbose_name = _("marketplace")
        verbose_name_plural = _("marketplaces")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.domain == "":
            self.domain = None
        super().save(*args, **kwargs)


class TenantModel(models.Model):
    """Base of every tenant-owned row: it carries its marketplace, and queries scope by it."""

    marketplace = models.ForeignKey(
        Marketplace, verbose_name=_("marketplace"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True
