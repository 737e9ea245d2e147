"""Automatic top-ups against both providers (the local gateway and Stripe test mode): charged
off-session under the top-up's key; a bank asking for authentication pauses them and notifies
the pro, who can authenticate the waiting top-up — credited once by the provider's event."""

import pytest

from billing.auto_top_up import auto_top_up_run
from billing.models import AutoTopUp, PaymentMode, PaymentPolicy, TopUp, Wallet, WalletEntry
from leads.models import Notification
from tests.billing.payments.test_authentication import provider_payments
from tests.billing.payments.test_card_saving import save_card
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def pro_with_card(api_client, marketplace, provider, card):
    user = UserFactory(marketplace=marketplace, role="pro")
    client = api_client(marketplace, user)
    save_card(client, provider, card)
    assert provider.deliver() == ["payment method saved"]
    consent = {"threshold": 5000, "amount": 10000, "monthly_limit": 30000}
    assert client.put("/api/v1/pro/wallet/auto-top-up/", consent, format="json").status_code == 200
    return user, client


def test_an_automatic_top_up_is_charged_off_session_and_credited_once(api_client, marketplace, provider):
    PaymentPolicy.objects.create(marketplace=marketplace, payment_mode=PaymentMode.PREPAID_CREDITS)
    user, client = pro_with_card(api_client, marketplace, provider, "pm_card_visa")
    assert auto_top_up_run(pro_id=user.pro.pk) == "succeeded"
    top_up = TopUp.objects.get()
    assert (top_up.origin, top_up.status) == ("auto", "succeeded")
    if provider.fake is not None:
        (intent,) = provider.fake.payment_intents.values()
        assert intent["metadata"]["top_up_id"] == str(top_up.pk) and intent["status"] == "succeeded"
    provider.deliver()  # the provider's own success event finds it credited
    assert Wallet.objects.get(pro=user.pro).balance == 10000
    assert WalletEntry.objects.count() == 1 and provider_payments(provider) == 1


def test_an_automatic_top_up_needing_authentication_pauses_notifies_and_completes_after_confirmation(
    api_client, marketplace, provider, django_capture_on_commit_callbacks
):
    PaymentPolicy.objects.create(marketplace=marketplace, payment_mode=PaymentMode.PREPAID_CREDITS)
    user, client = pro_with_card(api_client, marketplace, provider, "pm_card_authenticationRequired")
    assert auto_top_up_run(pro_id=user.pro.pk) == "requires_action"
    assert auto_top_up_run(pro_id=user.pro.pk) == "no_consent"  # paused: no retry loop
    assert AutoTopUp.objects.get().status == "needs_attention"
    assert Notification.objects.filter(pro=user.pro, kind="wallet.auto_top_up_attention").count() == 1

    top_up = TopUp.objects.get()
    secret = client.get(f"/api/v1/pro/wallet/top-ups/{top_up.pk}/").json()["client_secret"]
    assert provider.confirm("payment", secret).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        provider.deliver()
    top_up.refresh_from_db()
    assert top_up.status == "succeeded"
    assert Wallet.objects.get(pro=user.pro).balance == 10000
    assert WalletEntry.objects.count() == 1 and provider_payments(provider) == 1
