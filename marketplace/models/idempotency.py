from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """One claimed ``Idempotency-Key`` and, once the request finished, its response.

    The unique constraint is what makes a concurrent retry lose the race instead of running
    the operation twice.
    """

    marketplace = models.ForeignKey(
        "marketplace.Marketplace", verbose_name=_("marketplace"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(verbose_name=_("key"), max_length=255)
    method = models.CharField(verbose_name=_("method"), max_length=8)
    path = models.CharField(verbose_name=_("path"), max_length=500)
    fingerprint = models.CharField(
        verbose_name=_("fingerprint"), max_length=64, help_text=_("SHA-256 of method, path and body.")
    )
    status_code = models.PositiveSmallIntegerField(verbose_name=_("status code"), null=True, blank=True)
    response_body = models.JSONField(verbose_name=_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(verbose_name=_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["marketplace", "user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
