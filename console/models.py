"""The console's audit trail: who changed money, rank, tier or a lead, when, and from what to what.

Django's admin history (``LogEntry``) records that an object changed; a ``StaffAction`` row
is the domain's own record, with the values before and after, the amounts of a refund, the
note staff gave. Rows are only ever added (the admin shows them read-only).
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.models import TenantModel


class StaffActionKind(models.TextChoices):
    TIER_CHANGED = "tier_changed", _("Pro tier or standing changed")
    PRO_STATUS_CHANGED = "pro_status_changed", _("Pro paused, suspended or spend cap changed")
    DISPUTE_APPROVED = "dispute_approved", _("Dispute approved (refund)")
    DISPUTE_DENIED = "dispute_denied", _("Dispute denied")
    LEADS_EXPIRED = "leads_expired", _("Leads expired by staff")
    LEADS_WITHDRAWN = "leads_withdrawn", _("Leads withdrawn by staff")
    RANKING_WEIGHTS_CHANGED = "ranking_weights_changed", _("Ranking weights changed")
    RANKS_RECOMPUTED = "ranks_recomputed", _("Response rates and ranks recomputed")
    POLICY_CHANGED = "policy_changed", _("Marketplace rules or fees changed")
    CATEGORY_FEES_CHANGED = "category_fees_changed", _("Category fees changed")


class StaffAction(TenantModel):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=40, choices=StaffActionKind.choices)
    object_type = models.CharField(
        verbose_name=_("object type"), max_length=60, help_text=_("app_label.model of the object changed.")
    )
    object_id = models.CharField(verbose_name=_("object id"), max_length=40)
    object_repr = models.CharField(verbose_name=_("object repr"), max_length=200)
    before = models.JSONField(verbose_name=_("before"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(verbose_name=_("after"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    note = models.CharField(verbose_name=_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff action")
        verbose_name_plural = _("staff actions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["marketplace", "-created_at"], name="staff_action_recent_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.object_repr}"
