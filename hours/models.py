"""A pro's working week (wall-clock intervals per weekday, in the marketplace's time zone)
and its vacations (inclusive date ranges)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import TenantModel


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHours(TenantModel):
    """One working interval on one weekday; a day may have several (09-12, 13-17), never
    overlapping, and none crosses midnight (end > start; 24:00 is written 23:59:59)."""

    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(verbose_name=_("weekday"), choices=Weekday.choices)
    start = models.TimeField(verbose_name=_("start"))
    end = models.TimeField(verbose_name=_("end"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(name="working_hours_forward", condition=Q(end__gt=F("start"))),
            models.CheckConstraint(name="working_hours_weekday", condition=Q(weekday__gte=0, weekday__lte=6)),
        ]
        indexes = [models.Index(fields=["pro", "weekday", "start"], name="working_hours_pro_idx")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Vacation(TenantModel):
    """Days off, ``start_date`` to ``end_date`` inclusive: no leads are offered and no working
    time passes (with the business-hours clock on)."""

    pro = models.ForeignKey("pros.Pro", verbose_name=_("pro"), on_delete=models.CASCADE, related_name="vacations")
    start_date = models.DateField(verbose_name=_("start date"))
    end_date = models.DateField(verbose_name=_("end date"))
    note = models.CharField(verbose_name=_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("vacation")
        verbose_name_plural = _("vacations")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(name="vacation_forward", condition=Q(end_date__gte=F("start_date"))),
        ]
        indexes = [models.Index(fields=["pro", "end_date"], name="vacation_pro_end_idx")]

    def __str__(self) -> str:
        return f"{self.start_date} – {self.end_date}"
