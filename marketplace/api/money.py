"""The one Money shape of the API: ``{"amount": 2500, "currency": "CAD"}``, integer minor units.

The serializer is named ``Money`` so the OpenAPI component is ``Money`` wherever money appears.
"""

from typing import overload

from rest_framework import serializers

from marketplace.money import CURRENCY_CHOICES
from marketplace.money import Money as _Money


class Money(serializers.Serializer):
    """Money: integer minor units and an ISO 4217 currency (NT$100 is 10000 TWD)."""

    amount = serializers.IntegerField(help_text="Integer minor units (cents; TWD counts 1/100 dollars too).")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, help_text="ISO 4217 code, e.g. CAD or TWD.")


MoneyOutput = Money  # the name the apps' serializers import


@overload
def money(amount: int, currency: str) -> dict[str, object]: ...
@overload
def money(amount: None, currency: str) -> None: ...
@overload
def money(amount: int | None, currency: str) -> dict[str, object] | None: ...
def money(amount: int | None, currency: str) -> dict[str, object] | None:
    """The JSON of an amount, or None for no amount (an unset cap)."""
    return None if amount is None else _Money(int(amount), currency).as_json()
