"""Webhook events for one charge processed at the same moment by two workers (real threads,
each with its own PostgreSQL connection)."""

import contextlib
import threading
import time

import pytest
from django.db import connection

from billing.models import LedgerEntry, ProviderEvent, Refund
from billing.stripe_webhooks import provider_event_process
from tests.factories import ChargeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def refunded_event(event_id: str, payment_intent: str, amount_refunded: int) -> ProviderEvent:
    obj = {"id": "ch_1", "object": "charge", "payment_intent": payment_intent, "amount_refunded": amount_refunded}
    return ProviderEvent.objects.create(
        event_id=event_id,
        type="charge.refunded",
        payload={"id": event_id, "type": "charge.refunded", "data": {"object": obj}},
    )


def test_two_refund_events_for_one_charge_at_once_record_the_providers_total_once(marketplace, monkeypatch):
    charge = ChargeFactory(marketplace=marketplace, gateway="stripe", gateway_reference="pi_both", amount=3000)
    events = [refunded_event("evt_1000", "pi_both", 1000), refunded_event("evt_3000", "pi_both", 3000)]

    # Hold each worker between reading what is already refunded and writing the difference,
    # until the other one gets there too (or 3 s pass, when the other is waiting on a lock).
    meeting = threading.Barrier(2, timeout=3)
    get_or_create = Refund.objects.get_or_create

    def get_or_create_after_meeting(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            meeting.wait()
        return get_or_create(*args, **kwargs)

    monkeypatch.setattr(Refund.objects, "get_or_create", get_or_create_after_meeting)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def work(event):
        try:
            start.wait()
            outcomes[event.event_id] = provider_event_process(event_id=event.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(event,)) for event in events]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert time.monotonic() - began < 30 and len(outcomes) == 2, outcomes

    assert sum(Refund.objects.filter(charge=charge).values_list("amount", flat=True)) == 3000, outcomes
    assert sum(LedgerEntry.objects.filter(kind="refund").values_list("amount", flat=True)) == 3000
    assert ProviderEvent.objects.filter(processed_at__isnull=False).count() == 2
