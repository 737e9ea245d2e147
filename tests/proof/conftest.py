"""A small world with one of everything in two marketplaces, and a client per role."""

from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from marketplace.api.tokens import token_pair_issue

# The payment fixtures (a local Stripe-compatible server, a pro with a saved card, its pending
# lead) serve the fault tests too; importing them here registers them for this folder.
from tests.billing.payments import conftest as payments_fixtures
from tests.factories import (
    CategoryFactory,
    DeviceFactory,
    LeadFactory,
    PaymentProfileFactory,
    ProAreaFactory,
    QuoteRequestFactory,
    ServiceFactory,
    TopUpFactory,
    UserFactory,
    VacationFactory,
)
from tests.factories.billing import ChargeFactory
from tests.factories.marketplace import PASSWORD
from tests.factories.payments import LeadDisputeFactory

fake_stripe = payments_fixtures.fake_stripe
pending_lead = payments_fixtures.pending_lead
pro_user = payments_fixtures.pro_user

ROLES = ["anonymous", "homeowner", "other_homeowner", "pro", "other_pro", "staff", "foreign_staff"]


@dataclass
class World:
    marketplace: object
    other_marketplace: object
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def ids(self) -> dict:
        return {name: obj.pk for name, obj in self.objects.items()}

    def market_of(self, role: str):
        return self.other_marketplace if role == "foreign_staff" else self.marketplace


def _member_pro(marketplace, category, name: str):
    user = UserFactory(marketplace=marketplace, role="pro", email=f"{name}@pros.test")
    pro = user.pro
    pro.tier, pro.star_score, pro.rank_score = "brand_builder", 90, 50.0
    pro.phone, pro.website = "+1 416 555 0199", f"https://{name}.example.com/"
    pro.save()
    ProAreaFactory(marketplace=marketplace, pro=pro, area="M5V")
    service = ServiceFactory(marketplace=marketplace, pro=pro, category=category, title=f"{name} plumbing")
    PaymentProfileFactory(marketplace=marketplace, pro=pro, payment_method_token="pm_card_visa")
    return user, service


@pytest.fixture
def world(marketplace, other_marketplace) -> World:
    policy = marketplace.policy  # maple plays its demo rulebook: matched leads on
    policy.matched_leads_enabled, policy.fee_matched = True, 2500
    policy.save()
    category = CategoryFactory(marketplace=marketplace, slug="plumbing", name="Plumbing")
    CategoryFactory(marketplace=marketplace, slug="electrical", name="Electrical")
    CategoryFactory(marketplace=other_marketplace, slug="plumbing", name="水電")
    pro_user, service = _member_pro(marketplace, category, "pro")
    other_pro_user, other_service = _member_pro(marketplace, category, "other-pro")
    homeowner = UserFactory(marketplace=marketplace, role="homeowner", email="owner@home.test")
    other_homeowner = UserFactory(marketplace=marketplace, role="homeowner", email="other@home.test")
    staff = UserFactory(marketplace=marketplace, role="staff", email="staff@maple.test")
    foreign_staff = UserFactory(marketplace=other_marketplace, role="staff", email="staff@formosa.test")

    open_request = QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner, category=category)
    pending_lead = LeadFactory(marketplace=marketplace, request=open_request, pro=pro_user.pro, fee_amount=2500)
    answered_request = QuoteRequestFactory(
        marketplace=marketplace, homeowner=homeowner, category=category, description="Retile the bathroom floor."
    )
    accepted_lead = LeadFactory(
        marketplace=marketplace, request=answered_request, pro=pro_user.pro, status="accepted", fee_amount=0
    )
    charged_lead, disputed_lead = (
        LeadFactory(
            marketplace=marketplace,
            pro=pro_user.pro,
            status="accepted",
            fee_amount=2500,
            contact_revealed_at=timezone.now(),  # paid: the accept completed
            request=QuoteRequestFactory(
                marketplace=marketplace, homeowner=homeowner, category=category, description=f"Charged job {n}."
            ),
        )
        for n in range(2)
    )
    charge = ChargeFactory(marketplace=marketplace, lead=charged_lead, amount=2500)
    dispute = LeadDisputeFactory(
        marketplace=marketplace,
        charge=ChargeFactory(marketplace=marketplace, lead=disputed_lead, amount=2500),
        opened_by=pro_user,
    )
    device = DeviceFactory(marketplace=marketplace, user=pro_user)
    vacation = VacationFactory(marketplace=marketplace, pro=pro_user.pro)
    return World(
        marketplace=marketplace,
        other_marketplace=other_marketplace,
        users={
            "homeowner": homeowner,
            "other_homeowner": other_homeowner,
            "pro": pro_user,
            "other_pro": other_pro_user,
            "staff": staff,
            "foreign_staff": foreign_staff,
        },
        objects={
            "category": category,
            "pro": pro_user.pro,
            "other_pro": other_pro_user.pro,
            "service": service,
            "other_service": other_service,
            "request": open_request,
            "answered_request": answered_request,
            "lead": pending_lead,
            "accepted_lead": accepted_lead,
            "device": device,
            "vacation": vacation,
            "charged_lead": charged_lead,
            "dispute": dispute,
            "charge": charge,
            "top_up": TopUpFactory(marketplace=marketplace, pro=pro_user.pro),
        },
    )


def access_token(user) -> str:
    return token_pair_issue(user=user)["access"]


def refresh_token(user) -> str:
    return token_pair_issue(user=user)["refresh"]


@pytest.fixture
def role_client(world, api_client):
    """role_client(role) → a client of that role; foreign_staff speaks to its own marketplace."""

    def make(role: str):
        if role == "anonymous":
            return api_client(world.marketplace)
        user = world.users[role]
        return api_client(world.market_of(role), user)

    return make


__all__ = ["PASSWORD", "ROLES", "World", "access_token", "refresh_token"]
