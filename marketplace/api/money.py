"""The one Money shape of the API: ``{"amount": 2500, "currency": "CAD"}``, integer minor units."""

from typing import overload

from rest_framework import serializers

from marketplace.money import CURRENCY_CHOICES, Money


class MoneyOutput(serializers.Serializer):
    """Money: integer minor units and an ISO 4217 currency (NT$100 is 10000 TWD)."""

    amount = serializers.IntegerField()
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)


@overload
def money(amount: int, currency: str) -> dict[str, object]: ...
@overload
def money(amount: None, currency: str) -> None: ...
@overload
def money(amount: int | None, currency: str) -> dict[str, object] | None: ...
def money(amount: int | None, currency: str) -> dict[str, object] | None:
    """The JSON of an amount, or None for no amount (an unset cap)."""
    return None if amount is None else Money(int(amount), currency).as_json()
