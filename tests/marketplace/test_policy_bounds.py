"""Policy values are bounded above as well as below: in the admin form and in the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from connections.models import MAX_RETENTION_DAYS, ConnectionSettings
from marketplace.models.policy import MAX_FANOUT, MAX_FEE, MAX_TTL_HOURS, MAX_WINDOW_DAYS, MarketplacePolicy

pytestmark = pytest.mark.django_db

TOO_LARGE = {
    "response_window_days": MAX_WINDOW_DAYS + 1,
    "dispute_window_days": MAX_WINDOW_DAYS + 1,
    "new_lead_ttl_hours": MAX_TTL_HOURS + 1,
    "matched_lead_ttl_hours": MAX_TTL_HOURS + 1,
    "duplicate_window_hours": MAX_TTL_HOURS + 1,
    "matched_fanout": MAX_FANOUT + 1,
    "interest_ttl_hours": MAX_TTL_HOURS + 1,
    "fee_matched": MAX_FEE + 1,
}


@pytest.mark.parametrize(("field", "value"), TOO_LARGE.items())
def test_an_out_of_range_policy_value_is_a_validation_error_and_the_database_refuses_it(marketplace, field, value):
    policy = MarketplacePolicy.objects.get(marketplace=marketplace)
    setattr(policy, field, value)
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert field in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        MarketplacePolicy.objects.filter(pk=policy.pk).update(**{field: value})


def test_the_largest_allowed_window_still_rolls_up(marketplace):
    from ranking.services import pro_stats_rollup

    MarketplacePolicy.objects.filter(marketplace=marketplace).update(
        response_window_days=MAX_WINDOW_DAYS, response_rate_demotion_enabled=True
    )
    marketplace.refresh_from_db()
    pro_stats_rollup(marketplace=marketplace)  # no overflow at the bound


def test_connection_retention_is_bounded(marketplace):
    settings = ConnectionSettings(marketplace=marketplace, raw_event_retention_days=MAX_RETENTION_DAYS + 1)
    with pytest.raises(ValidationError):
        settings.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        ConnectionSettings.objects.create(marketplace=marketplace, raw_event_retention_days=10**6)


def test_an_unknown_time_zone_is_a_validation_error_in_the_admin(client, marketplace):
    from marketplace.models import Marketplace
    from tests.factories import UserFactory

    marketplace.time_zone = "Nowhere/Land"
    with pytest.raises(ValidationError) as error:
        marketplace.full_clean()
    assert "time_zone" in error.value.message_dict
    client.force_login(UserFactory(marketplace=None, role="platform", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/marketplace/marketplace/{marketplace.pk}/change/")
    assert page.status_code == 200
    assert Marketplace.objects.get(pk=marketplace.pk).time_zone == "America/Toronto"


def test_matched_capacity_cannot_exceed_the_fan_out(marketplace):
    policy = MarketplacePolicy.objects.get(marketplace=marketplace)
    policy.matched_fanout, policy.matched_capacity = 3, 4
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert "matched_capacity" in error.value.message_dict
    policy.matched_capacity = 3
    policy.full_clean()
