"""Serializer fields shared by every app's API."""

import datetime as dt

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


class CalendarDateField(serializers.DateField):
    """A calendar date this product can reason about: 2000-01-01 to 2100-12-31.

    Range queries add and subtract days around what they are given (the previous period,
    the day after the end); near ``date.min``/``date.max`` that arithmetic overflows.
    """

    EARLIEST = dt.date(2000, 1, 1)
    LATEST = dt.date(2100, 12, 31)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not self.EARLIEST <= day <= self.LATEST:
            raise serializers.ValidationError(f"Must be between {self.EARLIEST} and {self.LATEST}.")
        return day


class BoundedDictField(serializers.DictField):
    """A JSON object with at most ``max_keys`` keys of at most ``max_key_length`` characters,
    stated in the OpenAPI schema (``maxProperties``; OpenAPI 3.0 has no ``propertyNames``, so
    the key length goes in the description) along with ``value_schema`` for its values. A
    plain DictField takes any number of keys of any size."""

    def __init__(self, *, max_keys: int, max_key_length: int, value_schema: dict, description: str = "", **kwargs):
        super().__init__(**kwargs)
        self.max_keys, self.max_key_length = max_keys, max_key_length
        schema = {
            "type": "object",
            "maxProperties": max_keys,
            "additionalProperties": value_schema,
            "description": f"{description} At most {max_keys} keys of at most {max_key_length} characters.".strip(),
        }
        self._spectacular_annotation = {"field": schema}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            if len(data) > self.max_keys:
                raise serializers.ValidationError(f"At most {self.max_keys} keys.")
            if any(len(str(key)) > self.max_key_length for key in data):
                raise serializers.ValidationError(f"Keys are at most {self.max_key_length} characters.")
        return super().to_internal_value(data)
