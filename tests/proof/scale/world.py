"""Seed the scale proofs' database (run in a subprocess on the throw-away primary).

``python manage.py shell -c "from tests.proof.scale.world import main; main()"`` prints one
JSON line: the marketplace slug, bearer tokens and ids the tests drive the real web processes
with. A marketplace with matched leads (fan-out 5, capacity 3), five member plumbers in M5V
with saved cards, a homeowner, a staff member and a connections rollup row per pro.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from marketplace.api.authentication import MARKETPLACE_CLAIM
from tests.factories import (
    CategoryFactory,
    MarketplaceFactory,
    PaymentProfileFactory,
    ProAreaFactory,
    ServiceFactory,
    UserFactory,
)
from tests.factories.connections import ConnectionDailyFactory

PROS = 5


def token(user) -> str:
    refresh = RefreshToken.for_user(user)
    refresh[MARKETPLACE_CLAIM] = user.marketplace_id
    return str(refresh.access_token)


def main(slug: str = "maple") -> None:
    assert connection.settings_dict["NAME"].endswith("_scale"), connection.settings_dict["NAME"]
    market = MarketplaceFactory(slug=slug, currency="CAD", postal_scheme="ca_fsa", time_zone="UTC")
    policy = market.policy
    policy.matched_leads_enabled, policy.fee_matched = True, 2500
    policy.matched_fanout, policy.matched_capacity = 5, 3
    policy.save()
    category = CategoryFactory(marketplace=market, slug="plumbing", name="Plumbing")
    pros = []
    yesterday = timezone.now().date() - dt.timedelta(days=1)
    for n in range(PROS):
        user = UserFactory(marketplace=market, role="pro", email=f"pro{n}@{slug}.test")
        pro = user.pro
        pro.tier, pro.star_score, pro.rank_score = "brand_builder", 90, 50.0 + n
        pro.phone, pro.website = f"+1 416 555 01{n:02d}", f"https://pro{n}.example.com/"
        pro.save()
        ProAreaFactory(marketplace=market, pro=pro, area="M5V")
        ServiceFactory(marketplace=market, pro=pro, category=category, title=f"Plumbing {n}")
        PaymentProfileFactory(marketplace=market, pro=pro, payment_method_token="pm_card_visa")
        ConnectionDailyFactory(marketplace=market, pro=pro, day=yesterday, kind="phone_click", count=1)
        pros.append({"user": user.pk, "pro": pro.pk, "token": token(user)})
    # One homeowner per request the proofs post (a second request for the same job within the
    # duplicate window would be refused).
    homeowners = [UserFactory(marketplace=market, role="homeowner", email=f"owner{n}@{slug}.test") for n in range(40)]
    staff = UserFactory(marketplace=market, role="staff", email=f"staff@{slug}.test")
    print(
        json.dumps(
            {
                "marketplace": slug,
                "marketplace_id": market.pk,
                "day": yesterday.isoformat(),
                "pros": pros,
                "homeowners": [token(homeowner) for homeowner in homeowners],
                "staff": token(staff),
            }
        )
    )


def overdue(requests: int = 200, per_request: int = 5) -> None:
    """A backlog of pending matched leads past their deadline (for the expiry job), printed
    as {"leads": n}."""
    from leads.models import Lead, QuoteRequest
    from marketplace.models import Marketplace
    from pros.models import Category, Pro

    assert connection.settings_dict["NAME"].endswith("_scale"), connection.settings_dict["NAME"]
    market = Marketplace.objects.get(slug="maple")
    owner = UserFactory(marketplace=market, role="homeowner", email=f"overdue-{uuid.uuid4().hex[:12]}@maple.test")
    category = Category.objects.get(marketplace=market, slug="plumbing")
    pros = list(Pro.objects.filter(marketplace=market).order_by("pk")[:per_request])
    rows = QuoteRequest.objects.bulk_create(
        QuoteRequest(
            marketplace=market,
            homeowner=owner,
            category=category,
            source="platform",
            postal_code="M5V 3L9",
            area="M5V",
            description=f"overdue job {n}",
            contact_name="Pat",
            contact_phone="+1 416 555 0100",
            contact_email="pat@example.test",
        )
        for n in range(requests)
    )
    past = timezone.now() - dt.timedelta(hours=1)
    made = Lead.objects.bulk_create(
        Lead(
            marketplace=market,
            request=r,
            pro=p,
            kind="matched",
            status="pending",
            deadline=past,
            fee_amount=2500,
            fee_currency=market.currency,
        )
        for r in rows
        for p in pros
    )
    print(json.dumps({"leads": len(made)}))
