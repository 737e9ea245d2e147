"""Money and time as an operator reads them: NT$150.00, C$1,234.50; the minor units stay exact.

Amounts are integer minor units everywhere in the project (``marketplace.money``); here they
become the currency's symbol, thousands grouping and major units, with the exact minor-unit
amount and the ISO code in the tooltip.
"""

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from marketplace.money import CURRENCY_EXPONENTS, major_units

CURRENCY_SYMBOLS: dict[str, str] = {
    "CAD": "C$",
    "USD": "US$",
    "AUD": "A$",
    "TWD": "NT$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "KRW": "₩",
}


def money_text(amount: int | None, currency: str) -> str:
    """15000 TWD → 'NT$150.00'; -123450 CAD → '-C$1,234.50'; None → '—'."""
    if amount is None:
        return "—"
    if currency not in CURRENCY_EXPONENTS:
        return f"{amount} {currency}"
    major = major_units(abs(int(amount)), currency)
    whole, _, fraction = major.partition(".")
    grouped = f"{int(whole):,}" + (f".{fraction}" if fraction else "")
    sign = "-" if amount < 0 else ""
    return f"{sign}{CURRENCY_SYMBOLS.get(currency, currency + ' ')}{grouped}"


def money_html(amount: int | None, currency: str) -> SafeString:
    """The money text, with the exact minor units and currency code in a tooltip."""
    if amount is None:
        return format_html("{}", "—")
    return format_html(
        '<span class="money" title="{}">{}</span>',
        _("%(amount)s minor units (%(currency)s)") % {"amount": amount, "currency": currency},
        money_text(amount, currency),
    )
