import pytest

from tests.factories import (
    CategoryFactory,
    PaymentProfileFactory,
    ProAreaFactory,
    ServiceFactory,
    UserFactory,
)

CONTACT = {"name": "Pat Homeowner", "phone": "+1 416 555 0100", "email": "pat@example.test"}


@pytest.fixture
def category(marketplace):
    return CategoryFactory(marketplace=marketplace, slug="plumbing", name="Plumbing")


@pytest.fixture
def make_pro(marketplace, category):
    """make_pro(tier=, star=, rank=, areas=, card=, cap=, promotion=, **service) → the pro's user."""

    def make(
        *,
        market=None,
        cat=None,
        tier="brand_builder",
        star=90,
        rank=50.0,
        areas=("M5V",),
        card="pm_card_visa",
        cap=None,
        promotion=False,
        paused=False,
        webhook_url="",
        **service,
    ):
        market = market or marketplace
        user = UserFactory(marketplace=market, role="pro")
        pro = user.pro
        pro.tier, pro.star_score, pro.rank_score, pro.weekly_spend_cap = tier, star, rank, cap
        pro.paused, pro.webhook_url, pro.webhook_secret = paused, webhook_url, "s3cret-for-tests"
        pro.save()
        for area in areas:
            ProAreaFactory(marketplace=market, pro=pro, area=area)
        ServiceFactory(marketplace=market, pro=pro, category=cat or category, promotion_enabled=promotion, **service)
        if card:
            PaymentProfileFactory(marketplace=market, pro=pro, payment_method_token=card)
        return user

    return make


@pytest.fixture
def request_body(category):
    def body(**overrides):
        return {
            "category": category.slug,
            "postal_code": "M5V 3L9",
            "description": "Fix the kitchen sink.",
            "contact": CONTACT,
            **overrides,
        }

    return body


@pytest.fixture(autouse=True)
def _maple_rules(request):
    """The maple fixture plays the demo rulebook: matched leads on, a 25.00 matched fee."""
    if "marketplace" not in request.fixturenames:
        return
    marketplace = request.getfixturevalue("marketplace")
    policy = marketplace.policy
    policy.matched_leads_enabled, policy.fee_matched = True, 2500
    policy.save()


@pytest.fixture(autouse=True)
def _local_webhooks(local_webhooks):
    """Webhook receivers in these tests listen on ``localhost``, the allow-listed host."""
