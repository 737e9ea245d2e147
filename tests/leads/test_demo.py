import pytest

from billing.models import PaymentProfile
from leads.demo import seed
from marketplace.models import User
from tests.factories import ProFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_gives_every_pro_the_test_card_once_and_a_demo_homeowner(marketplace):
    pros = ProFactory.create_batch(3, marketplace=marketplace)
    seed(marketplace)
    seed(marketplace)
    assert PaymentProfile.objects.filter(pro__in=pros, payment_method_token="pm_card_visa").count() == 3
    assert User.objects.filter(marketplace=marketplace, email="asker@maple.test", role="homeowner").count() == 1
