"""Postal schemes: each marketplace turns a postal code into the *area code* pros serve.

A scheme is a pattern for a full code plus a rule for its area: Canada's forward sortation
area (the first three characters of ``M5V 3L9``), Taiwan's three-digit district (``106`` of
``10617``), and so on. Areas are what working conditions and matching compare.
"""

import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class PostalScheme(models.TextChoices):
    CA_FSA = "ca_fsa", _("Canada: forward sortation area (M5V 3L9 → M5V)")
    TW_DISTRICT = "tw_district", _("Taiwan: 3-digit district (10617 → 106)")
    US_ZIP = "us_zip", _("United States: ZIP code (94107-1234 → 94107)")


class InvalidPostalCode(ValueError):
    pass


@dataclass(frozen=True)
class _Scheme:
    postal_pattern: re.Pattern[str]
    area_pattern: re.Pattern[str]
    area_length: int
    example: str


_SCHEMES = {
    # FSA letters exclude D F I O Q U; the first letter also excludes W and Z.
    PostalScheme.CA_FSA: _Scheme(
        re.compile(r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z](\d[ABCEGHJ-NPRSTV-Z]\d)?"),
        re.compile(r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]"),
        3,
        "M5V 3L9",
    ),
    PostalScheme.TW_DISTRICT: _Scheme(re.compile(r"[1-9]\d{2}(\d{2}|\d{3})?"), re.compile(r"[1-9]\d{2}"), 3, "10617"),
    PostalScheme.US_ZIP: _Scheme(re.compile(r"\d{5}(\d{4})?"), re.compile(r"\d{5}"), 5, "94107"),
}


def _compact(value: str) -> str:
    return re.sub(r"[\s-]", "", str(value)).upper()


def area_code_for(scheme: str, postal_code: str) -> str:
    """The area code of a full (or already area-only) postal code, or InvalidPostalCode."""
    spec = _SCHEMES[PostalScheme(scheme)]
    compact = _compact(postal_code)
    if not spec.postal_pattern.fullmatch(compact):
        raise InvalidPostalCode(f"Enter a postal code like {spec.example}.")
    return compact[: spec.area_length]


def normalise_area(scheme: str, area: str) -> str:
    """Validate an area code as pros enter it for their service areas."""
    spec = _SCHEMES[PostalScheme(scheme)]
    compact = _compact(area)
    if not spec.area_pattern.fullmatch(compact):
        raise InvalidPostalCode(f"Enter an area code like {spec.example[: spec.area_length]}.")
    return compact
