"""A marketplace's rulebook (``MarketplacePolicy``): the switches and numbers of DESIGN.md's
rules that staff edit in the admin. Read it with ``marketplace.selectors.marketplace_policy``."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.models.tenancy import Marketplace, MembershipTier, TenancyQuerySet

_fraction = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]
_positive = [MinValueValidator(1)]

# Upper bounds keep every policy value inside what the rules' date arithmetic and sums can
# take (a million-day window would overflow a datetime), and inside what makes sense.
MAX_TTL_HOURS = 24 * 90
MAX_WINDOW_DAYS = 365
MAX_FANOUT = 50
MAX_MIN_SAMPLE = 1000
MAX_DEDUPE_MINUTES = 60 * 24 * 7
MAX_FEE = 10**15  # marketplace.api.fields.MAX_AMOUNT


def _between(low: int, high: int) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


class MarketplacePolicy(models.Model):
    """A marketplace's rulebook: data staff edit in admin, never a code fork."""

    marketplace = models.OneToOneField(
        Marketplace, verbose_name=_("marketplace"), on_delete=models.CASCADE, related_name="policy"
    )

    # Rule families: each a switch.
    matched_leads_enabled = models.BooleanField(
        verbose_name=_("matched leads enabled"), default=False, help_text=_("Platform requests become matched leads.")
    )
    promotion_service_enabled = models.BooleanField(
        verbose_name=_("promotion service enabled"), default=False, help_text=_("Services may auto-quote.")
    )
    response_rate_demotion_enabled = models.BooleanField(
        verbose_name=_("response rate demotion enabled"), default=False, help_text=_("Demote below the threshold.")
    )
    members_only_contact_display = models.BooleanField(
        verbose_name=_("members only contact display"),
        default=True,
        help_text=_("Only members show a phone number and website."),
    )

    # Leads.
    new_lead_ttl_hours = models.PositiveIntegerField(
        verbose_name=_("new lead ttl hours"), default=72, validators=_between(1, MAX_TTL_HOURS)
    )
    matched_lead_ttl_hours = models.PositiveIntegerField(
        verbose_name=_("matched lead ttl hours"), default=24, validators=_between(1, MAX_TTL_HOURS)
    )
    matched_fanout = models.PositiveIntegerField(
        verbose_name=_("matched fanout"), default=5, validators=_between(1, MAX_FANOUT)
    )
    matched_capacity = models.PositiveIntegerField(
        verbose_name=_("matched capacity"), default=3, validators=_between(1, MAX_FANOUT)
    )
    star_score_threshold = models.PositiveSmallIntegerField(
        verbose_name=_("star score threshold"), default=80, validators=[MaxValueValidator(100)]
    )
    matched_required_tier = models.CharField(
        verbose_name=_("matched required tier"),
        max_length=20,
        choices=MembershipTier.choices,
        default=MembershipTier.BRAND_BUILDER,
    )
    duplicate_window_hours = models.PositiveIntegerField(
        verbose_name=_("duplicate window hours"), default=24, validators=_between(0, MAX_TTL_HOURS)
    )

    # Contact fees by lead kind, in the marketplace's minor units (categories may override).
    fee_new = models.BigIntegerField(verbose_name=_("fee new"), default=0, validators=_between(0, MAX_FEE))
    fee_matched = models.BigIntegerField(verbose_name=_("fee matched"), default=0, validators=_between(0, MAX_FEE))
    fee_promotion = models.BigIntegerField(verbose_name=_("fee promotion"), default=0, validators=_between(0, MAX_FEE))

    # Response rate and demotion.
    response_rate_threshold = models.DecimalField(
        verbose_name=_("response rate threshold"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.750"),
        validators=_fraction,
    )
    response_window_days = models.PositiveIntegerField(
        verbose_name=_("response window days"), default=30, validators=_between(1, MAX_WINDOW_DAYS)
    )
    response_min_sample = models.PositiveIntegerField(
        verbose_name=_("response min sample"), default=4, validators=_between(1, MAX_MIN_SAMPLE)
    )
    demotion_factor = models.DecimalField(
        verbose_name=_("demotion factor"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.500"),
        validators=_fraction,
    )

    # Connections and money.
    click_dedupe_minutes = models.PositiveIntegerField(
        verbose_name=_("click dedupe minutes"), default=30, validators=_between(0, MAX_DEDUPE_MINUTES)
    )
    dispute_window_days = models.PositiveIntegerField(
        verbose_name=_("dispute window days"), default=14, validators=_between(0, MAX_WINDOW_DAYS)
    )

    # Pay on mutual interest (Rule 14): a pro's accept of a matched lead is a free expression of
    # interest; only the pros the homeowner connects with are charged and see the contact.
    pay_on_mutual_interest = models.BooleanField(
        verbose_name=_("pay on mutual interest"),
        default=False,
        help_text=_("Matched leads: the pro's accept is free interest; the pro pays when the homeowner connects."),
    )
    interest_ttl_hours = models.PositiveIntegerField(
        verbose_name=_("interest ttl hours"),
        default=72,
        validators=_between(1, MAX_TTL_HOURS),
        help_text=_("Interest the homeowner has not taken up after this many hours lapses, free of charge."),
    )

    # Business-hours clock (Rule 15): deadlines count the pro's working hours, vacations pause
    # matching; a deadline is never later than the cap in calendar hours.
    business_hours_enabled = models.BooleanField(
        verbose_name=_("business hours enabled"),
        default=False,
        help_text=_("Deadlines count only each pro's working hours; vacations pause matching."),
    )
    business_hours_cap_hours = models.PositiveIntegerField(
        verbose_name=_("business hours cap hours"),
        default=168,
        validators=_between(1, MAX_TTL_HOURS),
        help_text=_("A working-time deadline is never later than this many calendar hours after the offer."),
    )

    objects = TenancyQuerySet.as_manager()

    class Meta:
        verbose_name = _("marketplace policy")
        verbose_name_plural = _("marketplace policies")
        constraints = [
            models.CheckConstraint(
                name="policy_rate_threshold_0_1",
                condition=Q(response_rate_threshold__gte=0, response_rate_threshold__lte=1),
            ),
            models.CheckConstraint(
                name="policy_demotion_factor_0_1", condition=Q(demotion_factor__gte=0, demotion_factor__lte=1)
            ),
            models.CheckConstraint(name="policy_window_positive", condition=Q(response_window_days__gte=1)),
            models.CheckConstraint(name="policy_star_threshold_le_100", condition=Q(star_score_threshold__lte=100)),
            models.CheckConstraint(
                name="policy_fees_non_negative", condition=Q(fee_new__gte=0, fee_matched__gte=0, fee_promotion__gte=0)
            ),
            models.CheckConstraint(
                name="policy_business_hours_cap_positive", condition=Q(business_hours_cap_hours__gte=1)
            ),
            models.CheckConstraint(
                name="policy_interest_ttl_bounds",
                condition=Q(interest_ttl_hours__gte=1, interest_ttl_hours__lte=MAX_TTL_HOURS),
            ),
            models.CheckConstraint(
                name="policy_ttls_positive", condition=Q(new_lead_ttl_hours__gte=1, matched_lead_ttl_hours__gte=1)
            ),
            models.CheckConstraint(
                name="policy_fanout_capacity_positive", condition=Q(matched_fanout__gte=1, matched_capacity__gte=1)
            ),
            models.CheckConstraint(
                name="policy_upper_bounds",
                condition=Q(
                    new_lead_ttl_hours__lte=MAX_TTL_HOURS,
                    matched_lead_ttl_hours__lte=MAX_TTL_HOURS,
                    duplicate_window_hours__lte=MAX_TTL_HOURS,
                    matched_fanout__lte=MAX_FANOUT,
                    matched_capacity__lte=MAX_FANOUT,
                    fee_new__lte=MAX_FEE,
                    fee_matched__lte=MAX_FEE,
                    fee_promotion__lte=MAX_FEE,
                    response_window_days__lte=MAX_WINDOW_DAYS,
                    response_min_sample__lte=MAX_MIN_SAMPLE,
                    click_dedupe_minutes__lte=MAX_DEDUPE_MINUTES,
                    dispute_window_days__lte=MAX_WINDOW_DAYS,
                    business_hours_cap_hours__lte=MAX_TTL_HOURS,
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Policy of {self.marketplace}"

    def clean(self) -> None:
        # More accepts than pros offered the job could never happen: a sign of a typo.
        if self.matched_capacity and self.matched_fanout and self.matched_capacity > self.matched_fanout:
            raise ValidationError({"matched_capacity": _("At most the matched fan-out (pros offered each job).")})
