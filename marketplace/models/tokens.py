"""Refresh-token families: every refresh token descended from one login shares a family.

Rotation spends the presented refresh token and issues its child in the same family, under
the family row's lock, so concurrent refreshes with one token yield exactly one child. A spent
token presented again is reuse (RFC 9700, OAuth 2.0 Security BCP §4.14.2): the family is
revoked, and with it every refresh token descended from the login.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenFamily(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="token_families"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    rotated_at = models.DateTimeField(
        verbose_name=_("rotated at"), auto_now=True, help_text=_("Last issue of a refresh token in this family.")
    )
    rotations = models.PositiveIntegerField(verbose_name=_("rotations"), default=0)
    revoked_at = models.DateTimeField(verbose_name=_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(verbose_name=_("revoked reason"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("token family")
        verbose_name_plural = _("token families")
        indexes = [models.Index(fields=["rotated_at"], name="tokenfamily_rotated_at")]

    def __str__(self) -> str:
        return f"token family {self.pk} of user {self.user_id}"
