"""A bank asking for the cardholder's authentication (SCA / 3-D Secure), with the built-in
gateway in test mode and with Stripe: the accept or top-up completes exactly once after the
pro confirms, whichever of the retry, the provider's event or the recovery job sees it first."""

import datetime as dt

import pytest
from django.utils import timezone

from billing.models import Charge, LedgerEntry, PaymentMode, PaymentPolicy, TopUp, WalletEntry
from leads.models import Lead
from leads.services.accept import accept_charges_recover
from tests.billing.payments.test_card_saving import save_card
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro_needing_authentication(api_client, marketplace, provider):
    """A pro whose saved card (saved through the SetupIntent flow) needs authentication."""
    user = UserFactory(marketplace=marketplace, role="pro")
    client = api_client(marketplace, user)
    save_card(client, provider, "pm_card_authenticationRequired")
    assert provider.deliver() == ["payment method saved"]
    return user, client


def accept(client, lead):
    return client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {"message": "Tuesday"}, format="json")


def provider_payments(provider) -> int:
    if provider.fake is not None:
        return sum(1 for pi in provider.fake.payment_intents.values() if pi["status"] == "succeeded")
    from billing.models import LocalGatewayPayment

    return LocalGatewayPayment.objects.filter(succeeded=True).count()


def test_an_accept_needing_authentication_is_402_with_the_client_secret_then_completes_once(
    marketplace, provider, pro_needing_authentication
):
    user, client = pro_needing_authentication
    lead = LeadFactory(marketplace=marketplace, pro=user.pro, fee_amount=2500, kind="new")

    first = accept(client, lead)
    assert first.status_code == 402, first.json()
    error = first.json()["error"]
    assert error["code"] == "authentication_required"
    assert error["client_secret"].startswith(error["payment_intent"] + "_secret_")
    assert Lead.objects.get(pk=lead.pk).status == "pending"
    assert Charge.objects.get().status == "pending"  # the lead is held for this pro
    assert accept(client, lead).json()["error"]["code"] == "authentication_required"  # not yet

    assert provider.confirm("payment", error["client_secret"]).status_code == 200
    done = accept(client, lead)
    assert done.status_code == 200, done.json()
    assert done.json()["contact"]["phone"]

    provider.deliver()  # the provider's payment_intent.succeeded arrives late: nothing more happens
    Charge.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    accept_charges_recover()
    assert Charge.objects.get().status == "succeeded"
    assert list(LedgerEntry.objects.values_list("kind", "amount")) == [("charge", 2500)]
    assert provider_payments(provider) == 1


def test_the_providers_event_completes_the_accept_when_the_app_never_retries(
    marketplace, provider, pro_needing_authentication, django_capture_on_commit_callbacks
):
    user, client = pro_needing_authentication
    lead = LeadFactory(marketplace=marketplace, pro=user.pro, fee_amount=2500, kind="new")
    secret = accept(client, lead).json()["error"]["client_secret"]
    provider.confirm("payment", secret)
    with django_capture_on_commit_callbacks(execute=True):
        provider.deliver()
    assert Lead.objects.get(pk=lead.pk).status == "accepted"
    assert accept(client, lead).status_code == 409
    assert LedgerEntry.objects.count() == 1 and provider_payments(provider) == 1


def test_an_authentication_never_completed_releases_the_lead_and_takes_nothing(
    marketplace, provider, pro_needing_authentication
):
    user, client = pro_needing_authentication
    lead = LeadFactory(marketplace=marketplace, pro=user.pro, fee_amount=2500, kind="new")
    secret = accept(client, lead).json()["error"]["client_secret"]
    Charge.objects.update(created_at=timezone.now() - dt.timedelta(minutes=31))
    assert accept_charges_recover() == {"failed": 1}
    assert Charge.objects.get().failure_code == "authentication_required"
    assert Lead.objects.get(pk=lead.pk).status == "pending"
    provider.confirm("payment", secret)  # too late: cancelled at the provider
    assert provider_payments(provider) == 0
    assert not LedgerEntry.objects.exists()


def test_a_top_up_needing_authentication_is_credited_once_by_the_providers_event(
    marketplace, provider, pro_needing_authentication, django_capture_on_commit_callbacks
):
    PaymentPolicy.objects.create(marketplace=marketplace, payment_mode=PaymentMode.PREPAID_CREDITS)
    user, client = pro_needing_authentication
    started = client.post("/api/v1/pro/wallet/top-ups/", {"amount": 5000}, format="json")
    assert started.status_code == 201 and started.json()["status"] == "requires_action"
    provider.confirm("payment", started.json()["client_secret"])
    with django_capture_on_commit_callbacks(execute=True):
        provider.deliver()
    assert TopUp.objects.get().status == "succeeded"
    assert client.get("/api/v1/pro/wallet/").json()["balance"]["amount"] == 5000
    assert WalletEntry.objects.count() == 1 and provider_payments(provider) == 1
