"""Bad policy values are validation errors; the admin shows ranking columns and recomputes."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from marketplace.models import MarketplacePolicy
from pros.models import Pro
from ranking.models import RankingPolicy
from ranking.services import pro_stats_rollup, ranking_policy_ensure
from tests.factories import ProFactory, UserFactory
from tests.ranking.conftest import history

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("response_rate_threshold", Decimal("1.200")),
        ("response_rate_threshold", Decimal("-0.100")),
        ("response_window_days", 0),
        ("demotion_factor", Decimal("1.500")),
        ("demotion_factor", Decimal("-0.500")),
    ],
)
def test_out_of_range_marketplace_policy_is_a_validation_error(marketplace, field, value):
    policy = MarketplacePolicy.objects.get(marketplace=marketplace)
    setattr(policy, field, value)
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert field in error.value.message_dict


@pytest.mark.parametrize(("field", "value"), [("weight_star_score", 101), ("review_volume_half", 0)])
def test_out_of_range_ranking_weights_are_validation_errors(marketplace, field, value):
    policy = ranking_policy_ensure(marketplace=marketplace)
    setattr(policy, field, value)
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert field in error.value.message_dict


def test_all_zero_weights_are_refused_by_validation_and_by_the_database(marketplace):
    policy = ranking_policy_ensure(marketplace=marketplace)
    for name in RankingPolicy.WEIGHT_FIELDS:
        setattr(policy, name, 0)
    with pytest.raises(ValidationError):
        policy.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        policy.save()


def test_ranking_policy_is_created_with_defaults_on_demand(marketplace):
    assert not RankingPolicy.objects.filter(marketplace=marketplace).exists()
    pro_stats_rollup(marketplace=marketplace)
    policy = RankingPolicy.objects.get(marketplace=marketplace)
    assert (policy.weight_star_score, policy.weight_response_rate, policy.weight_total) == (30, 25, 100)


@pytest.fixture
def admin_client(client, demotion_on):
    staff = UserFactory(marketplace=demotion_on, role="staff")
    client.force_login(staff)
    return client


def test_admin_pro_ranking_list_shows_rate_demotion_and_rank_with_filters(admin_client, pro_with_history, demotion_on):
    low = pro_with_history(answered=1, missed=4)
    pro_with_history(answered=4)
    pro_stats_rollup(marketplace=demotion_on)
    page = admin_client.get("/admin/ranking/proranking/?demoted__exact=1")
    assert page.status_code == 200
    content = page.content.decode()
    assert low.name in content and "1 / 5" in content
    below = admin_client.get("/admin/ranking/proranking/?rate=below").content.decode()
    assert low.name in below


def _listed(client, band):
    page = client.get(f"/admin/ranking/proranking/?rate={band}")
    assert page.status_code == 200
    return {pro.name for pro in page.context["cl"].result_list}


def test_admin_rate_bands_compare_with_the_marketplaces_own_threshold_on_exact_counts(
    admin_client, pro_with_history, demotion_on
):
    MarketplacePolicy.objects.filter(marketplace=demotion_on).update(
        response_rate_threshold=Decimal("0.667"), response_min_sample=3
    )
    two_of_three = pro_with_history(answered=2, missed=1)  # 0.6666…: reads 0.667 but is below 0.667
    seven_of_ten = pro_with_history(answered=7, missed=3)  # 0.700: above 0.667 (below a fixed 75%)
    all_three = pro_with_history(answered=3)
    too_few = pro_with_history(answered=1, missed=1)
    pro_stats_rollup(marketplace=demotion_on)
    assert Pro.objects.get(pk=two_of_three.pk).demoted is True  # what the band must agree with

    assert _listed(admin_client, "below") == {two_of_three.name}
    assert _listed(admin_client, "at_or_above") == {seven_of_ten.name, all_three.name}
    assert _listed(admin_client, "none") == {too_few.name}


def test_admin_rate_bands_use_each_pros_marketplace_for_platform_superusers(
    client, pro_with_history, demotion_on, other_marketplace
):
    MarketplacePolicy.objects.filter(marketplace=other_marketplace).update(
        response_rate_threshold=Decimal("0.333"), response_min_sample=4
    )
    here = pro_with_history(answered=2, missed=2)  # 50% < 75%
    there = ProFactory(marketplace=other_marketplace)
    history(there, answered=2, missed=2)  # 50% >= 33.3%
    pro_stats_rollup(marketplace=demotion_on)
    pro_stats_rollup(marketplace=other_marketplace)
    superuser = UserFactory(marketplace=None, role="platform", is_superuser=True, email="root@platform.test")
    client.force_login(superuser)

    assert _listed(client, "below") == {here.name}
    assert _listed(client, "at_or_above") == {there.name}


def test_admin_action_recomputes_the_marketplace_now(admin_client, pro_with_history, demotion_on):
    pro = pro_with_history(answered=0, missed=5)
    policy = ranking_policy_ensure(marketplace=demotion_on)
    response = admin_client.post(
        "/admin/ranking/rankingpolicy/",
        {"action": "recompute_now", "_selected_action": [policy.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "recomputed 1 pros from 5 leads" in response.content.decode()
    assert Pro.objects.get(pk=pro.pk).demoted is True


def test_admin_staff_never_sees_another_marketplaces_pros(admin_client, other_marketplace):
    from tests.factories import ProFactory

    foreign = ProFactory(marketplace=other_marketplace, name="Foreign Plumbing")
    history(foreign, answered=1)
    assert "Foreign Plumbing" not in admin_client.get("/admin/ranking/proranking/").content.decode()
