"""Saving a card works the same with the built-in gateway (test mode) and with Stripe (#14.5).

Each test taking ``provider`` runs twice, with one piece of client code: start a SetupIntent,
confirm its client secret where the provider says (Stripe's SDK / the local test-mode
endpoint), and the card arrives through the provider-event path.
"""

import pytest

from billing.models import PaymentMode, PaymentPolicy, PaymentProfile, ProviderEvent
from tests.billing.payments.conftest import process_provider_events
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def save_card(client, provider, card="pm_card_visa"):
    """The mobile app's flow, unchanged between providers."""
    started = client.post("/api/v1/pro/billing/setup-intent/", {}, format="json")
    assert started.status_code == 201, started.json()
    intent = started.json()
    assert intent["client_secret"].startswith(intent["id"] + "_secret_")
    assert intent["gateway"] == provider.name
    confirmed = provider.confirm("setup", intent["client_secret"], card)
    return intent, confirmed


def test_a_pro_saves_a_card_through_a_setup_intent_and_the_providers_event(api_client, marketplace, provider):
    user = UserFactory(marketplace=marketplace, role="pro")
    client = api_client(marketplace, user)
    assert client.get("/api/v1/pro/billing/payment-method/").status_code == 404

    intent, confirmed = save_card(client, provider, "pm_card_mastercard")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "succeeded"
    assert client.get("/api/v1/pro/billing/payment-method/").status_code == 404  # not until the event
    assert provider.deliver() == ["payment method saved"]

    saved = client.get("/api/v1/pro/billing/payment-method/")
    assert saved.status_code == 200
    assert saved.json()["display"] == "Mastercard •••• 4444"
    assert saved.json()["gateway"] == provider.name
    profile = PaymentProfile.objects.get(pro=user.pro)
    assert (profile.payment_method_token, profile.customer_reference) == ("pm_card_mastercard", intent["customer"])


def test_a_second_setup_intent_reuses_the_pros_customer(api_client, marketplace, provider):
    client = api_client(marketplace, UserFactory(marketplace=marketplace, role="pro"))
    first, _ = save_card(client, provider)
    second, _ = save_card(client, provider, "pm_card_visa")
    assert first["customer"] == second["customer"] and first["id"] != second["id"]


def test_a_declined_test_card_saves_nothing(api_client, marketplace, provider):
    client = api_client(marketplace, UserFactory(marketplace=marketplace, role="pro"))
    _, confirmed = save_card(client, provider, "pm_card_chargeDeclined")
    assert confirmed.status_code == 402
    provider.deliver()
    assert client.get("/api/v1/pro/billing/payment-method/").status_code == 404


def test_confirming_twice_records_one_event_and_saves_once(api_client, marketplace, settings, client):
    settings.PAYMENT_GATEWAY = "local"
    pro_client = api_client(marketplace, UserFactory(marketplace=marketplace, role="pro"))
    intent = pro_client.post("/api/v1/pro/billing/setup-intent/", {}, format="json").json()
    url = "/api/v1/billing/test-mode/setup-intents/confirm/"
    body = {"client_secret": intent["client_secret"], "payment_method": "pm_card_visa"}
    assert client.post(url, body, content_type="application/json").status_code == 200
    assert client.post(url, body, content_type="application/json").status_code == 200
    assert ProviderEvent.objects.filter(provider="local", type="setup_intent.succeeded").count() == 1
    assert process_provider_events() == ["payment method saved"]


def test_a_wrong_client_secret_is_404_and_changes_nothing(api_client, marketplace, settings, client):
    settings.PAYMENT_GATEWAY = "local"
    pro_client = api_client(marketplace, UserFactory(marketplace=marketplace, role="pro"))
    intent = pro_client.post("/api/v1/pro/billing/setup-intent/", {}, format="json").json()
    response = client.post(
        "/api/v1/billing/test-mode/setup-intents/confirm/",
        {"client_secret": intent["id"] + "_secret_guess", "payment_method": "pm_card_visa"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"
    assert not ProviderEvent.objects.exists()


def test_the_test_mode_endpoints_do_not_exist_with_stripe(client, fake_stripe):
    response = client.post(
        "/api/v1/billing/test-mode/setup-intents/confirm/",
        {"client_secret": "lseti_x_secret_y", "payment_method": "pm_card_visa"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_a_marketplace_that_takes_no_card_payments_answers_409(api_client, marketplace, settings):
    settings.PAYMENT_GATEWAY = "local"
    PaymentPolicy.objects.create(marketplace=marketplace, payment_mode=PaymentMode.NO_CARD_PAYMENTS)
    client = api_client(marketplace, UserFactory(marketplace=marketplace, role="pro"))
    for response in (
        client.post("/api/v1/pro/billing/setup-intent/", {}, format="json"),
        client.put("/api/v1/pro/billing/payment-method/", {"token": "pm_card_visa"}, format="json"),
    ):
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "payments_not_configured"
    assert not PaymentProfile.objects.exists()
