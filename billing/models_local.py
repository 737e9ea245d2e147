"""The built-in ``local`` gateway's own book: what it stands in for at the provider.

It plays the provider's side, so a re-call with a known key returns the first outcome instead
of charging again — exactly what a real provider does — and payments that need the
cardholder's authentication wait here until the test-mode confirmation step. Nothing in
billing reads these tables except ``LocalGateway`` and the test-mode endpoints.
"""

from django.db import models


class LocalGatewayPayment(models.Model):
    idempotency_key = models.CharField(max_length=100, unique=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    payment_method_token = models.CharField(max_length=100)
    customer = models.CharField(max_length=100, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    succeeded = models.BooleanField()
    # Waiting for the cardholder (pm_card_authenticationRequired) until confirmed in test mode.
    requires_action = models.BooleanField(default=False)
    reference = models.CharField(max_length=40)
    client_secret = models.CharField(max_length=100, blank=True)
    decline_code = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.reference


class LocalGatewayRefund(models.Model):
    idempotency_key = models.CharField(max_length=100, unique=True)
    payment = models.ForeignKey(LocalGatewayPayment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField()
    reference = models.CharField(max_length=40, unique=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.reference


class LocalGatewaySetupIntent(models.Model):
    class Status(models.TextChoices):
        REQUIRES_PAYMENT_METHOD = "requires_payment_method"
        SUCCEEDED = "succeeded"

    idempotency_key = models.CharField(max_length=100, unique=True)
    intent_id = models.CharField(max_length=40, unique=True)
    customer = models.CharField(max_length=100)
    client_secret = models.CharField(max_length=100)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.REQUIRES_PAYMENT_METHOD)
    payment_method = models.CharField(max_length=100, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.intent_id
