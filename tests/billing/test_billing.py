import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.fees import week_start
from billing.gateways import ChargeRequest, LocalGateway, PaymentDeclined, ProviderUnavailable
from billing.models import LocalGatewayPayment
from billing.services import charge_next_key, pro_week_spend
from marketplace.models import Marketplace
from tests.factories import ChargeFactory, LeadFactory, UserFactory

TORONTO = Marketplace(slug="maple", time_zone="America/Toronto")


def request(amount: int, token: str, key: str) -> ChargeRequest:
    return ChargeRequest(
        amount=amount, currency="CAD", payment_method=token, customer="", idempotency_key=key, description=""
    )


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)))
def test_week_start_is_the_local_monday_midnight_at_or_before_now(now):
    start = week_start(marketplace=TORONTO, now=now)
    local = start.astimezone(ZoneInfo("America/Toronto"))
    assert local.weekday() == 0 and (local.hour, local.minute, local.second) == (0, 0, 0)
    assert start <= now < start + dt.timedelta(days=7, hours=1)  # a DST week may be 169 hours


def test_week_boundary_follows_the_marketplace_time_zone():
    # Sunday 23:30 in Toronto is already Monday in UTC, but still last week for the marketplace.
    sunday_night = dt.datetime(2026, 11, 23, 4, 30, tzinfo=dt.UTC)
    assert week_start(marketplace=TORONTO, now=sunday_night).date() == dt.date(2026, 11, 16)


@pytest.mark.django_db
def test_local_gateway_answers_a_repeated_key_with_the_first_outcome():
    gateway = LocalGateway()
    first = gateway.charge(request(2500, "pm_card_visa", "k1"))
    again = gateway.charge(request(2500, "pm_card_visa", "k1"))
    assert first == again and LocalGatewayPayment.objects.count() == 1
    assert gateway.find(idempotency_key="k1") == first and gateway.find(idempotency_key="nope") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("pm_card_chargeDeclined", "card_declined"),
        ("pm_card_insufficientFunds", "insufficient_funds"),
        ("pm_bogus", "invalid_payment_method"),
    ],
)
def test_local_gateway_declines_the_documented_test_tokens(token, code):
    with pytest.raises(PaymentDeclined) as declined:
        LocalGateway().charge(request(1, token, token))
    assert declined.value.code == code


@pytest.mark.django_db
def test_local_gateway_unavailable_token_raises_provider_unavailable_and_records_nothing():
    with pytest.raises(ProviderUnavailable):
        LocalGateway().charge(request(1, "pm_card_unavailable", "u"))
    assert not LocalGatewayPayment.objects.exists()


@pytest.mark.django_db
def test_week_spend_counts_live_charges_of_this_week_only(marketplace):
    lead = LeadFactory(marketplace=marketplace)
    now = dt.datetime.now(dt.UTC)
    ChargeFactory(marketplace=marketplace, lead=lead, amount=1000, status="succeeded")
    ChargeFactory(marketplace=marketplace, lead=lead, amount=700, status="failed")
    old = ChargeFactory(marketplace=marketplace, lead=LeadFactory(marketplace=marketplace, pro=lead.pro), amount=9000)
    type(old).objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=8))
    assert pro_week_spend(marketplace=marketplace, pro_id=lead.pro_id, now=now) == 1000


@pytest.mark.django_db
def test_a_retry_after_a_decline_gets_a_fresh_key(marketplace):
    lead = LeadFactory(marketplace=marketplace)
    assert charge_next_key(lead_id=lead.pk) == f"lead-{lead.pk}-accept"
    ChargeFactory(marketplace=marketplace, lead=lead, status="failed", idempotency_key=f"lead-{lead.pk}-accept")
    assert charge_next_key(lead_id=lead.pk) == f"lead-{lead.pk}-accept-2"


@pytest.mark.django_db
def test_pro_saves_a_payment_method_and_sees_only_its_own_charges(api_client, marketplace):
    user = UserFactory(marketplace=marketplace, role="pro")
    client = api_client(marketplace, user)
    bad = client.put("/api/v1/pro/billing/payment-method/", {"token": "4242424242424242"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_payment_method"
    saved = client.put(
        "/api/v1/pro/billing/payment-method/", {"token": "pm_card_visa", "display": "Visa 4242"}, format="json"
    )
    assert saved.status_code == 200 and saved.json()["display"] == "Visa 4242"
    assert "payment_method_token" not in saved.json()

    mine = ChargeFactory(marketplace=marketplace, lead=LeadFactory(marketplace=marketplace, pro=user.pro))
    ChargeFactory(marketplace=marketplace)
    rows = client.get("/api/v1/pro/billing/charges/").json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["amount"] == {"amount": 2500, "currency": "CAD"}
