"""Seed the load database: one marketplace with pros, homeowners and an overdue backlog.

Run by ``make load`` (``loadtest/run.sh``) in the dedicated ``leadmarket_load`` database, never
another one. Writes the accounts' bearer tokens to ``var/load/accounts.json`` for locust.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from billing.models import PaymentProfile
from leads.models import Lead, QuoteRequest
from marketplace.api.authentication import MARKETPLACE_CLAIM
from marketplace.models import Marketplace, MarketplacePolicy, Role, User
from pros.models import Category, Pro, ProArea, Service

OUT = Path(settings.BASE_DIR) / "var" / "load" / "accounts.json"
CATEGORIES = ["plumbing", "electrical", "roofing", "painting"]
AREAS = ["M5V", "M4C", "M6G", "M5A"]
PROS, HOMEOWNERS, OVERDUE = 80, 400, 300


def _token(user: User) -> str:
    refresh = RefreshToken.for_user(user)
    refresh[MARKETPLACE_CLAIM] = user.marketplace_id
    return str(refresh.access_token)


def main() -> None:
    if not connection.settings_dict["NAME"].endswith("_load"):
        raise SystemExit(f"refusing to seed {connection.settings_dict['NAME']!r}: the load database ends in _load")
    rng = random.Random(8)  # noqa: S311 - reproducible seed data
    market = Marketplace.objects.create(
        slug="maple", name="Maple", currency="CAD", postal_scheme="ca_fsa", time_zone="America/Toronto"
    )
    MarketplacePolicy.objects.update_or_create(
        marketplace=market, defaults={"matched_leads_enabled": True, "fee_matched": 2500, "fee_new": 1500}
    )
    categories = Category.objects.bulk_create(
        Category(marketplace=market, slug=slug, name=slug.title()) for slug in CATEGORIES
    )
    password = make_password("load-test-password-1")

    pros = Pro.objects.bulk_create(
        Pro(
            marketplace=market,
            name=f"Load Pro {i}",
            slug=f"load-pro-{i}",
            phone=f"+1 416 555 {1000 + i}",
            website=f"https://pro{i}.example.com/",
            tier="brand_builder" if i % 10 < 7 else "basic",
            star_score=rng.randint(78, 99),
            rank_score=rng.uniform(10, 90),
            completeness=80,
        )
        for i in range(PROS)
    )
    ProArea.objects.bulk_create(
        ProArea(marketplace=market, pro=pro, area=area)
        for i, pro in enumerate(pros)
        for area in {AREAS[i % 4], AREAS[(i + 1) % 4]}
    )
    Service.objects.bulk_create(
        Service(marketplace=market, pro=pro, category=category, title=f"{category.name} by {pro.name}")
        for i, pro in enumerate(pros)
        for category in {categories[i % 4], categories[(i + 2) % 4]}
    )
    PaymentProfile.objects.bulk_create(
        PaymentProfile(
            marketplace=market,
            pro=pro,
            gateway="local",
            payment_method_token="pm_card_visa",
            display="Visa test card •••• 4242",
        )
        for pro in pros
    )
    pro_users = User.objects.bulk_create(
        User(marketplace=market, role=Role.PRO, pro=pro, email=f"pro{i}@load.test", name=pro.name, password=password)
        for i, pro in enumerate(pros)
    )
    homeowners = User.objects.bulk_create(
        User(
            marketplace=market,
            role=Role.HOMEOWNER,
            email=f"home{i}@load.test",
            name=f"Homeowner {i}",
            password=password,
        )
        for i in range(HOMEOWNERS)
    )

    # A backlog the expiry job must clear: pending leads whose deadline passed an hour ago.
    past = timezone.now() - dt.timedelta(hours=1)
    backlog = QuoteRequest.objects.bulk_create(
        QuoteRequest(
            marketplace=market,
            homeowner=homeowners[i % HOMEOWNERS],
            category=categories[i % 4],
            source="platform",
            postal_code=f"{AREAS[i % 4]} 1A1",
            area=AREAS[i % 4],
            description=f"Backlog job {i}",
            contact_name="Pat",
            contact_phone="+1 416 555 0100",
            contact_email="pat@example.test",
        )
        for i in range(OVERDUE)
    )
    Lead.objects.bulk_create(
        Lead(
            marketplace=market,
            request=request,
            pro=pros[i % PROS],
            kind="matched",
            status="pending",
            deadline=past,
            fee_amount=2500,
            fee_currency="CAD",
        )
        for i, request in enumerate(backlog)
    )

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "marketplace": market.slug,
                "homeowners": [_token(u) for u in homeowners],
                "pros": [_token(u) for u in pro_users],
                "pro_ids": [p.pk for p in pros],
                "categories": CATEGORIES,
                "areas": AREAS,
            }
        )
    )
    print(f"seeded {market.slug}: {PROS} pros, {HOMEOWNERS} homeowners, {OVERDUE} overdue leads → {OUT}")
