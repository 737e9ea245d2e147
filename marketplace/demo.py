"""Demo marketplaces of DESIGN.md: `maple` (HomeStars' rules) and `formosa` (PRO360's).

Idempotent: running it again keeps what is there and adds what is missing. Other apps
contribute their demo rows through ``DEMO_SEEDERS``: dotted paths of ``seed(marketplace)``
functions, run in this order after the marketplace and its staff exist.
"""

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from marketplace.models import Role, User
from marketplace.postal import PostalScheme
from marketplace.services.marketplaces import marketplace_ensure

DEMO_MARKETPLACES: list[dict[str, Any]] = [
    {
        "slug": "maple",
        "defaults": {
            "name": "Maple Home Pros",
            "currency": "CAD",
            "time_zone": "America/Toronto",
            "postal_scheme": PostalScheme.CA_FSA,
            "default_language": "en",
        },
        "policy": {
            "matched_leads_enabled": True,
            "members_only_contact_display": True,
            "fee_new": 0,
            "fee_matched": 2500,
            "fee_promotion": 0,
        },
    },
    {
        "slug": "formosa",
        "defaults": {
            "name": "Formosa Pro Services",
            "currency": "TWD",
            "time_zone": "Asia/Taipei",
            "postal_scheme": PostalScheme.TW_DISTRICT,
            "default_language": "zh-hant",
        },
        "policy": {
            "promotion_service_enabled": True,
            "response_rate_demotion_enabled": True,
            "business_hours_enabled": True,
            "members_only_contact_display": False,
            "fee_new": 15000,
            "fee_matched": 15000,
            "fee_promotion": 15000,
        },
    },
]

DEMO_SEEDERS: list[str] = [
    "pros.demo.seed",
    "leads.demo.seed",
    "billing.demo.seed",
    "connections.demo.seed",
    "ranking.demo.seed",
    "hours.demo.seed",
]


def demo_seed(stdout=None) -> list[tuple[str, str]]:
    """Seed both demo marketplaces; returns the staff logins (email, password)."""
    logins = []
    for spec in DEMO_MARKETPLACES:
        marketplace, _ = marketplace_ensure(slug=spec["slug"], defaults=spec["defaults"], policy=spec["policy"])
        email = f"staff@{marketplace.slug}.test"
        if not User.objects.filter(email__iexact=email, marketplace=marketplace).exists():
            User.objects.create_user(
                email,
                settings.DEMO_PASSWORD,
                marketplace=marketplace,
                role=Role.STAFF,
                name=f"{marketplace.name} staff",
            )
        logins.append((email, settings.DEMO_PASSWORD))
        for dotted_path in DEMO_SEEDERS:
            import_string(dotted_path)(marketplace)
    return logins
