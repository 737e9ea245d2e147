import json
import time

import pytest
import stripe

from tests.billing.payments.fake_stripe import API_KEY, FakeStripe
from tests.factories import LeadFactory, PaymentProfileFactory, ProAreaFactory, UserFactory

WEBHOOK_SECRET = "whsec_local_test_secret"


@pytest.fixture
def fake_stripe(settings):
    """A local Stripe-compatible server; the app's real `stripe` client is pointed at it."""
    server = FakeStripe()
    url = server.start()
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_API_BASE = url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_TIMEOUT_SECONDS = 1.0
    server.timeout_seconds = 1.5
    yield server
    server.stop()


@pytest.fixture
def pro_user(marketplace, fake_stripe):
    """A member pro whose Stripe customer has the visa test card saved."""
    user = UserFactory(marketplace=marketplace, role="pro")
    ProAreaFactory(marketplace=marketplace, pro=user.pro, area="M5V")
    customer = f"cus_for_pro_{user.pro.pk}"
    fake_stripe.customers[customer] = {"id": customer, "object": "customer"}
    fake_stripe.payment_methods["pm_card_visa"]["customer"] = customer
    PaymentProfileFactory(
        marketplace=marketplace,
        pro=user.pro,
        gateway="stripe",
        customer_reference=customer,
        payment_method_token="pm_card_visa",
    )
    return user


@pytest.fixture
def pending_lead(marketplace, pro_user):
    def make(fee=2500, **kwargs):
        return LeadFactory(marketplace=marketplace, pro=pro_user.pro, fee_amount=fee, kind="new", **kwargs)

    return make


_last_timestamp = 0


def delivery_timestamp() -> int:
    """Now, but never twice the same: like Stripe, every delivery (a retry too) is signed anew."""
    global _last_timestamp
    _last_timestamp = max(int(time.time()), _last_timestamp + 1)
    return _last_timestamp


def signed(payload: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[str, str]:
    body = json.dumps(payload)
    header = stripe.WebhookSignature.generate_signature_header(
        body, secret, timestamp=timestamp or delivery_timestamp()
    )
    return body, header


def post_webhook(client, payload: dict, **kwargs):
    body, header = signed(payload, **kwargs)
    return client.post(
        "/api/v1/billing/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def event(event_type: str, obj: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{time.time_ns()}",
        "object": "event",
        "type": event_type,
        "data": {"object": obj},
        "livemode": False,
        "created": int(time.time()),
    }


def process_provider_events() -> list[str]:
    """What the worker does with queued provider events (webhooks and the local gateway's)."""
    from billing.models import ProviderEvent
    from billing.stripe_webhooks import provider_event_process

    pending = ProviderEvent.objects.filter(processed_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    return [provider_event_process(event_id=pk) for pk in list(pending)]


class ProviderSide:
    """What the mobile SDK and the provider do, for either gateway, so one piece of client
    code runs against both: confirm an intent with its client secret (as the SDK does),
    then the provider's events arrive (Stripe: signed webhooks; local: its own events) and
    the worker processes them."""

    def __init__(self, name: str, django_client, fake=None):
        self.name, self.django_client, self.fake = name, django_client, fake
        self.delivered = 0

    def confirm(self, kind: str, client_secret: str, payment_method: str | None = None):
        """``kind``: ``setup`` or ``payment``; like the SDK, only the client secret names the intent."""
        data = {"client_secret": client_secret}
        if payment_method:
            data["payment_method"] = payment_method
        if self.name == "local":
            return self.django_client.post(
                f"/api/v1/billing/test-mode/{kind}-intents/confirm/", data, content_type="application/json"
            )
        import requests

        intent_id = client_secret.partition("_secret_")[0]
        return requests.post(
            f"{self.fake.url}/v1/{kind}_intents/{intent_id}/confirm",
            data=data,
            headers={"Authorization": f"Bearer {API_KEY}"},
            timeout=5,
        )

    def deliver(self) -> list[str]:
        if self.fake is not None:
            for payload in self.fake.events[self.delivered :]:
                assert post_webhook(self.django_client, payload).status_code == 200
            self.delivered = len(self.fake.events)
        return process_provider_events()


@pytest.fixture(params=["local", "stripe"])
def provider(request, settings, client):
    """Each test using it runs twice: against the local gateway and against Stripe test mode."""
    if request.param == "local":
        settings.PAYMENT_GATEWAY = "local"
        return ProviderSide("local", client)
    fake = request.getfixturevalue("fake_stripe")
    return ProviderSide("stripe", client, fake)
