import pytest

from tests.factories import CategoryFactory, ProAreaFactory, UserFactory


@pytest.fixture
def pro_user(marketplace):
    """A pro member whose business serves M5V."""
    user = UserFactory(marketplace=marketplace, role="pro")
    ProAreaFactory(marketplace=marketplace, pro=user.pro, area="M5V")
    return user


@pytest.fixture
def pro(pro_user):
    return pro_user.pro


@pytest.fixture
def category(marketplace):
    return CategoryFactory(
        marketplace=marketplace,
        slug="plumbing",
        name="Plumbing",
        questions=[{"key": "job", "label": "What needs doing?", "choices": ["repair", "install"]}],
    )


@pytest.fixture
def enable_promotion(marketplace):
    marketplace.policy.promotion_service_enabled = True
    marketplace.policy.save()
    return marketplace
