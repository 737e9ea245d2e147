"""What the payment provider told us: webhook events (each processed once) and chargebacks."""

from django.db import models

from marketplace.money import CURRENCY_CHOICES


class ProviderEvent(models.Model):
    """A verified webhook event. The unique event id makes a redelivery a no-op.

    Not tenant-owned on arrival: the marketplace is read from the event's metadata when it
    is processed (the provider account serves the whole platform).
    """

    provider = models.CharField(max_length=20, default="stripe")
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
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

    charge = models.ForeignKey("billing.Charge", on_delete=models.PROTECT, related_name="chargebacks")
    provider_reference = models.CharField(max_length=100, unique=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    reason = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Chargeback {self.provider_reference}"
