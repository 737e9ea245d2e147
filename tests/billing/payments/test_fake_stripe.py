"""The local Stripe server behaves like Stripe where our money logic depends on it."""

import pytest
import stripe

from billing.stripe_gateway import stripe_client


def test_a_key_reused_with_other_parameters_is_stripes_400_idempotency_error(fake_stripe):
    client = stripe_client()
    params = {"amount": 2500, "currency": "cad", "payment_method": "pm_card_visa", "confirm": True}
    first = client.v1.payment_intents.create(params=params, options={"idempotency_key": "k-1"})
    again = client.v1.payment_intents.create(params=params, options={"idempotency_key": "k-1"})
    assert again.id == first.id and len(fake_stripe.payment_intents) == 1  # replayed, not charged twice

    with pytest.raises(stripe.IdempotencyError) as refused:
        client.v1.payment_intents.create(
            params={**params, "payment_method": "pm_card_mastercard"}, options={"idempotency_key": "k-1"}
        )
    assert refused.value.http_status == 400
    assert refused.value.error.type == "idempotency_error"
    assert len(fake_stripe.payment_intents) == 1
