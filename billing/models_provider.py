"""What the payment provider told us: webhook events (each processed once) and chargebacks."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.money import CURRENCY_CHOICES


class ProviderEvent(models.Model):
    """A verified webhook event. The unique event id makes a redelivery a no-op.

    Not tenant-owned on arrival: the marketplace is read from the event's metadata when it
    is processed (the provider account serves the whole platform).
    """

    provider = models.CharField(verbose_name=_("provider"), max_length=20, default="stripe")
    event_id = models.CharField(verbose_name=_("event id"), max_length=100)
    type = models.CharField(verbose_name=_("type"), max_length=100)
    payload = models.JSONField(verbose_name=_("payload"))
    received_at = models.DateTimeField(verbose_name=_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(verbose_name=_("processed at"), null=True, blank=True)
    outcome = models.CharField(verbose_name=_("outcome"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_unique")]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="provider_event_unprocessed_idx",
                condition=models.Q(processed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class Chargeback(models.Model):
    """A card-holder dispute opened at the provider against one of our charges."""

    charge = models.ForeignKey(
        "billing.Charge", verbose_name=_("charge"), on_delete=models.PROTECT, related_name="chargebacks"
    )
    provider_reference = models.CharField(verbose_name=_("provider reference"), max_length=100, unique=True)
    amount = models.BigIntegerField(verbose_name=_("amount"))
    currency = models.CharField(verbose_name=_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    reason = models.CharField(verbose_name=_("reason"), max_length=100, blank=True)
    status = models.CharField(verbose_name=_("status"), max_length=40, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("chargeback")
        verbose_name_plural = _("chargebacks")

    def __str__(self) -> str:
        return f"Chargeback {self.provider_reference}"
