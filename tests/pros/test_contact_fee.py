import pytest

from pros.selectors import contact_fee
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_category_fee_overrides_the_policy_default(marketplace):
    marketplace.policy.fee_new = 1000
    marketplace.policy.save()
    category = CategoryFactory(marketplace=marketplace, fee_new=2500)
    assert contact_fee(marketplace=marketplace, category=category, kind="new") == 2500


def test_a_category_without_a_fee_uses_the_policy_default_per_kind(marketplace):
    marketplace.policy.fee_new, marketplace.policy.fee_matched, marketplace.policy.fee_promotion = 100, 200, 300
    marketplace.policy.save()
    category = CategoryFactory(marketplace=marketplace)
    fees = [contact_fee(marketplace=marketplace, category=category, kind=k) for k in ("new", "matched", "promotion")]
    assert fees == [100, 200, 300]


def test_a_subcategory_without_a_fee_inherits_its_parents(marketplace):
    marketplace.policy.fee_matched = 100
    marketplace.policy.save()
    parent = CategoryFactory(marketplace=marketplace, fee_matched=4000)
    child = CategoryFactory(marketplace=marketplace, parent=parent)
    assert contact_fee(marketplace=marketplace, category=child, kind="matched") == 4000


def test_a_zero_fee_is_a_real_fee_not_a_fallback(marketplace):
    marketplace.policy.fee_promotion = 900
    marketplace.policy.save()
    category = CategoryFactory(marketplace=marketplace, fee_promotion=0)
    assert contact_fee(marketplace=marketplace, category=category, kind="promotion") == 0


def test_unknown_kind_or_foreign_category_is_refused(marketplace, other_marketplace):
    with pytest.raises(ValueError):
        contact_fee(marketplace=marketplace, category=CategoryFactory(marketplace=marketplace), kind="bogus")
    with pytest.raises(ValueError):
        contact_fee(marketplace=marketplace, category=CategoryFactory(marketplace=other_marketplace), kind="new")


def test_lead_kind_choices_are_accepted_as_kinds(marketplace):
    from leads.models import LeadKind

    category = CategoryFactory(marketplace=marketplace, fee_matched=777)
    assert contact_fee(marketplace=marketplace, category=category, kind=LeadKind.MATCHED) == 777
