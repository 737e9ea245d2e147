"""Two marketplaces with one of everything the admin shows, staff for each, and a superuser.

Each marketplace's rows carry a marker in their names (``MAPLEMARK`` / ``FORMOSAMARK``), so a
test can say that a page of one marketplace's staff never shows the other's rows.
"""

import datetime as dt
from dataclasses import dataclass, field
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from billing.models import LedgerEntry, LocalGatewayPayment
from connections.models import ConnectionSettings
from console.models import StaffAction
from tests.factories import (
    CategoryFactory,
    ChargeFactory,
    ConnectionDailyFactory,
    ConnectionEventFactory,
    LeadDisputeFactory,
    LeadFactory,
    NotificationFactory,
    PaymentProfileFactory,
    ProAreaFactory,
    ProDailySnapshotFactory,
    ProStandingFactory,
    QuoteRequestFactory,
    RankingPolicyFactory,
    RefundFactory,
    ReviewFactory,
    ServiceFactory,
    UserFactory,
)
from tests.factories.marketplace import PASSWORD

MARKERS = {"maple": "MAPLEMARK", "formosa": "FORMOSAMARK"}


@dataclass
class Market:
    marketplace: object
    staff: object
    marker: str
    objects: dict = field(default_factory=dict)


def ledger(marketplace, pro, lead, kind, amount, *, when=None, memo="", charge=None):
    """A ledger entry (append-only: its time is set as it is written)."""
    with mock.patch("django.utils.timezone.now", return_value=when or timezone.now()):
        return _ledger(marketplace, pro, lead, kind, amount, memo=memo, charge=charge)


def _ledger(marketplace, pro, lead, kind, amount, *, memo, charge):
    return LedgerEntry.objects.create(
        marketplace=marketplace,
        pro=pro,
        lead=lead,
        charge=charge,
        kind=kind,
        amount=amount,
        currency=marketplace.currency,
        idempotency_key=f"test-ledger-{marketplace.slug}-{LedgerEntry.objects.count()}",
        memo=memo,
    )


def local_midnight(marketplace, now: dt.datetime) -> dt.datetime:
    return now.astimezone(ZoneInfo(marketplace.time_zone)).replace(hour=0, minute=0, second=0, microsecond=0)


def build_market(marketplace, *, postal: str, phone: str) -> Market:
    marker = MARKERS[marketplace.slug]
    staff = UserFactory(marketplace=marketplace, role="staff", email=f"staff@{marketplace.slug}.test")
    category = CategoryFactory(marketplace=marketplace, slug="plumbing", name=f"Plumbing {marker}")
    CategoryFactory(marketplace=marketplace, slug="tiling", name=f"Tiling {marker}", parent=category)
    member = UserFactory(marketplace=marketplace, role="pro", email=f"owner@{marketplace.slug}-pro.test")
    pro = member.pro
    pro.name, pro.phone = f"Pro {marker}", phone
    pro.save()
    ProAreaFactory(marketplace=marketplace, pro=pro, area=postal)
    ServiceFactory(marketplace=marketplace, pro=pro, category=category, title=f"Service {marker}")
    PaymentProfileFactory(marketplace=marketplace, pro=pro)
    homeowner = UserFactory(marketplace=marketplace, role="homeowner", email=f"home@{marketplace.slug}.test")
    request = QuoteRequestFactory(
        marketplace=marketplace,
        homeowner=homeowner,
        category=category,
        postal_code=postal,
        area=postal,
        contact_name=f"Homeowner {marker}",
        contact_phone=phone,
        description=f'=HYPERLINK("x") fix the sink {marker}',
    )
    now = timezone.now()
    pending = LeadFactory(marketplace=marketplace, request=request, pro=pro, deadline=now + dt.timedelta(hours=2))
    expired = LeadFactory(
        marketplace=marketplace,
        pro=pro,
        status="expired",
        # Half an hour ago, but never before local midnight: "expired today" holds at 00:10 too.
        deadline=max(now - dt.timedelta(minutes=30), local_midnight(marketplace, now)),
        request=QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner, category=category, area=postal),
    )
    charged = LeadFactory(
        marketplace=marketplace,
        pro=pro,
        status="accepted",
        responded_at=now,
        request=QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner, category=category, area=postal),
    )
    charge = ChargeFactory(marketplace=marketplace, lead=charged, amount=15000)
    ledger(marketplace, pro, charged, "charge", 15000, charge=charge)
    disputed = LeadFactory(
        marketplace=marketplace,
        pro=pro,
        status="accepted",
        request=QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner, category=category, area=postal),
    )
    disputed_charge = ChargeFactory(
        marketplace=marketplace, lead=disputed, amount=3000, gateway_reference=f"lp_{marketplace.slug}_disputed"
    )
    LocalGatewayPayment.objects.create(  # the local gateway's record of the payment, so it can refund it
        idempotency_key=disputed_charge.idempotency_key,
        amount=3000,
        currency=marketplace.currency,
        payment_method_token="pm_card_visa",
        succeeded=True,
        reference=disputed_charge.gateway_reference,
    )
    ledger(marketplace, pro, disputed, "charge", 3000, charge=disputed_charge)
    dispute = LeadDisputeFactory(
        marketplace=marketplace, charge=disputed_charge, opened_by=member, details=f"Number dead {marker}"
    )
    refunded_charge = ChargeFactory(
        marketplace=marketplace,
        amount=2000,
        lead=LeadFactory(
            marketplace=marketplace,
            pro=pro,
            status="accepted",
            request=QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner, category=category, area=postal),
        ),
    )
    refund = RefundFactory(marketplace=marketplace, charge=refunded_charge, status="succeeded", reason="goodwill")
    ledger(marketplace, pro, refunded_charge.lead, "charge", 2000, charge=refunded_charge)
    ledger(marketplace, pro, refunded_charge.lead, "refund", 2000, memo=f"Goodwill {marker}")
    NotificationFactory(marketplace=marketplace, pro=pro, lead=pending, email_status="failed", subject=marker)
    RankingPolicyFactory(marketplace=marketplace)
    ProStandingFactory(marketplace=marketplace, pro=pro, responded_count=1, due_count=4, at_risk=True)
    ProDailySnapshotFactory(marketplace=marketplace, pro=pro, responded_count=1, due_count=4)
    ConnectionEventFactory(marketplace=marketplace, pro=pro, lead=pending, source=marker)
    ConnectionDailyFactory(marketplace=marketplace, pro=pro, source=marker)
    ConnectionSettings.objects.create(marketplace=marketplace)
    ReviewFactory(marketplace=marketplace, pro=pro, homeowner=homeowner, lead=charged, rating=5, comment=marker)
    StaffAction.objects.create(
        marketplace=marketplace,
        actor=staff,
        kind="tier_changed",
        object_type="pros.pro",
        object_id=str(pro.pk),
        object_repr=marker,
        before={"tier": "basic"},
        after={"tier": "brand_builder"},
    )
    return Market(
        marketplace=marketplace,
        staff=staff,
        marker=marker,
        objects={
            "category": category,
            "pro": pro,
            "member": member,
            "homeowner": homeowner,
            "request": request,
            "pending": pending,
            "expired": expired,
            "charged": charged,
            "charge": charge,
            "dispute": dispute,
            "refund": refund,
        },
    )


@pytest.fixture
def maple(marketplace) -> Market:
    return build_market(marketplace, postal="M5V", phone="+1 (416) 555-0142")


@pytest.fixture
def formosa(other_marketplace) -> Market:
    return build_market(other_marketplace, postal="106", phone="02-2700-1234")


@pytest.fixture
def superuser(db):
    return UserFactory(marketplace=None, role="platform", is_superuser=True, email="root@platform.test")


def login(client, user):
    response = client.post("/admin/login/?next=/admin/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client
