"""Serializer fields shared by every app's API."""

from rest_framework import serializers

# The largest amount any API accepts, in minor units: far beyond any real price or budget, and
# far inside PostgreSQL's bigint, so an accepted amount can always be stored and summed.
MAX_AMOUNT = 10**15


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: no strings, floats or booleans (amounts are exact minor units)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def amount_field(**kwargs) -> serializers.IntegerField:
    """An optional amount in minor units, 0 to MAX_AMOUNT."""
    options = {"min_value": 0, "max_value": MAX_AMOUNT, "allow_null": True, "required": False, **kwargs}
    return StrictIntegerField(**options)
