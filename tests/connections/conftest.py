import pytest

from tests.factories import ProFactory, UserFactory

BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)


@pytest.fixture
def member_pro(marketplace):
    return ProFactory(
        marketplace=marketplace,
        tier="brand_builder",
        phone="+1 416 555 0199",
        website="https://pro.example.test/home",
    )


@pytest.fixture
def pro_user(member_pro):
    return UserFactory(marketplace=member_pro.marketplace, role="pro", pro=member_pro)
