"""The built-in ``local`` gateway's own book: what it stands in for at the provider.

It plays the provider's side, so a re-call with a known key returns the first outcome instead
of charging again — exactly what a real provider does — and payments that need the
cardholder's authentication wait here until the test-mode confirmation step. Nothing in
billing reads these tables except ``LocalGateway`` and the test-mode endpoints.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LocalGatewayPayment(models.Model):
    idempotency_key = models.CharField(verbose_name=_("idempotency key"), max_length=100, unique=True)
    amount = models.BigIntegerField(verbose_name=_("amount"))
    currency = models.CharField(verbose_name=_("currency"), max_length=3)
    payment_method_token = models.CharField(verbose_name=_("payment method token"), max_length=100)
    customer = models.CharField(verbose_name=_("customer"), max_length=100, blank=True)
    metadata = models.JSONField(verbose_name=_("metadata"), default=dict, blank=True)
    succeeded = models.BooleanField(verbose_name=_("succeeded"))
    # Waiting for the cardholder (pm_card_authenticationRequired) until confirmed in test mode.
    requires_action = models.BooleanField(verbose_name=_("requires action"), default=False)
    reference = models.CharField(verbose_name=_("reference"), max_length=40)
    client_secret = models.CharField(verbose_name=_("client secret"), max_length=100, blank=True)
    decline_code = models.CharField(verbose_name=_("decline code"), max_length=50, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("local gateway payment")
        verbose_name_plural = _("local gateway payments")

    def __str__(self) -> str:
        return self.reference


class LocalGatewayRefund(models.Model):
    idempotency_key = models.CharField(verbose_name=_("idempotency key"), max_length=100, unique=True)
    payment = models.ForeignKey(
        LocalGatewayPayment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.BigIntegerField(verbose_name=_("amount"))
    reference = models.CharField(verbose_name=_("reference"), max_length=40, unique=True)
    metadata = models.JSONField(verbose_name=_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("local gateway refund")
        verbose_name_plural = _("local gateway refunds")

    def __str__(self) -> str:
        return self.reference


class LocalGatewaySetupIntent(models.Model):
    class Status(models.TextChoices):
        REQUIRES_PAYMENT_METHOD = "requires_payment_method", _("Requires Payment Method")
        SUCCEEDED = "succeeded", _("Succeeded")

    idempotency_key = models.CharField(verbose_name=_("idempotency key"), max_length=100, unique=True)
    intent_id = models.CharField(verbose_name=_("intent id"), max_length=40, unique=True)
    customer = models.CharField(verbose_name=_("customer"), max_length=100)
    client_secret = models.CharField(verbose_name=_("client secret"), max_length=100)
    status = models.CharField(
        verbose_name=_("status"), max_length=30, choices=Status.choices, default=Status.REQUIRES_PAYMENT_METHOD
    )
    payment_method = models.CharField(verbose_name=_("payment method"), max_length=100, blank=True)
    metadata = models.JSONField(verbose_name=_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("local gateway setup intent")
        verbose_name_plural = _("local gateway setup intents")

    def __str__(self) -> str:
        return self.intent_id
