"""How a marketplace takes money for leads (issue #15): its payment mode and credit rules.

Kept in billing, beside the money it governs, as a one-to-one extension of the marketplace's
policy; a marketplace without a row gets the defaults (card per lead, today's behaviour).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import Marketplace

MAX_TOP_UP = 10**12  # minor units; far above any real top-up, below the API's amount bound
MAX_CREDIT_HOURS = 24 * 90


class PaymentMode(models.TextChoices):
    CARD_PER_LEAD = "card_per_lead", _("Card per lead (an off-session charge on each accept)")
    PREPAID_CREDITS = "prepaid_credits", _("Prepaid credits (accepts debit the pro's wallet)")
    NO_CARD_PAYMENTS = "no_card_payments", _("No card payments (leads are free; no card is saved)")


class PaymentPolicy(models.Model):
    marketplace = models.OneToOneField(
        Marketplace, verbose_name=_("marketplace"), on_delete=models.CASCADE, related_name="payment_policy"
    )
    payment_mode = models.CharField(
        verbose_name=_("payment mode"), max_length=20, choices=PaymentMode.choices, default=PaymentMode.CARD_PER_LEAD
    )
    # Prepaid credits: a top-up's bounds, in the marketplace's currency and minor units.
    top_up_min = models.BigIntegerField(
        verbose_name=_("top up min"), default=1000, validators=[MinValueValidator(1), MaxValueValidator(MAX_TOP_UP)]
    )
    top_up_max = models.BigIntegerField(
        verbose_name=_("top up max"),
        default=100_000_00,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TOP_UP)],
    )
    # Automatic credits (Rule 10 extended): each a switch with its window.
    unread_credit_enabled = models.BooleanField(
        verbose_name=_("unread credit enabled"),
        default=True,
        help_text=_("Give the fee back when the homeowner never opened the pro's answer."),
    )
    unread_credit_hours = models.PositiveIntegerField(
        verbose_name=_("unread credit hours"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CREDIT_HOURS)],
    )
    duplicate_credit_enabled = models.BooleanField(
        verbose_name=_("duplicate credit enabled"),
        default=True,
        help_text=_("Credit a lead charged for a job the same homeowner had already asked for."),
    )
    unreachable_credit_enabled = models.BooleanField(
        verbose_name=_("unreachable credit enabled"),
        default=True,
        help_text=_(
            "Credit a lead reported unreachable when the homeowner's e-mail bounced or the homeowner does "
            "not confirm the request when asked."
        ),
    )
    unreachable_confirm_hours = models.PositiveIntegerField(
        verbose_name=_("unreachable confirm hours"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CREDIT_HOURS)],
        help_text=_("How long the homeowner has to confirm a request reported unreachable."),
    )

    class Meta:
        verbose_name = _("payment policy")
        verbose_name_plural = _("payment policies")
        constraints = [
            models.CheckConstraint(
                name="payment_policy_top_up_bounds",
                condition=Q(top_up_min__gte=1, top_up_max__gte=F("top_up_min"), top_up_max__lte=MAX_TOP_UP),
            ),
            models.CheckConstraint(
                name="payment_policy_unread_hours",
                condition=Q(unread_credit_hours__gte=1, unread_credit_hours__lte=MAX_CREDIT_HOURS),
            ),
            models.CheckConstraint(
                name="payment_policy_unreachable_hours",
                condition=Q(unreachable_confirm_hours__gte=1, unreachable_confirm_hours__lte=MAX_CREDIT_HOURS),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.marketplace} — {self.get_payment_mode_display()}"
