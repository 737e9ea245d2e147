"""The recovery sweeps: one stale pending charge or refund that fails never blocks the others."""

import datetime as dt

import pytest
from django.db import DatabaseError
from django.utils import timezone
from structlog.testing import capture_logs

from billing import disputes
from billing import services as billing
from billing.gateways import ChargeRequest, LocalGateway, ProviderUnavailable
from billing.models import Charge, LedgerEntry, Refund
from leads.models import Lead
from leads.services.accept import accept_charges_recover
from tests.factories import ChargeFactory, LeadFactory, PaymentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stale_charges(marketplace):
    """stale_charges(n) → n pending charges left by a crash after phase 1, oldest first."""

    def make(n):
        user = UserFactory(marketplace=marketplace, role="pro")
        PaymentProfileFactory(marketplace=marketplace, pro=user.pro, payment_method_token="pm_card_visa")
        charges = []
        for minutes_ago in range(10 + n, 10, -1):
            lead = LeadFactory(marketplace=marketplace, pro=user.pro, fee_amount=2500)
            charge = ChargeFactory(
                marketplace=marketplace,
                lead=lead,
                status="pending",
                idempotency_key=f"lead-{lead.pk}-accept",
                accept_payload={"message": "", "price": None, "actor_id": user.pk},
            )
            Charge.objects.filter(pk=charge.pk).update(created_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
            charges.append(charge)
        return charges

    return make


def test_a_charge_whose_completion_raises_does_not_block_the_later_ones(stale_charges, monkeypatch):
    first, second, third = stale_charges(3)
    real_succeed = billing.charge_succeed

    def succeed_or_fail(*, charge, reference):
        if charge.pk == first.pk:
            raise DatabaseError("could not serialize access due to concurrent update")
        return real_succeed(charge=charge, reference=reference)

    monkeypatch.setattr(billing, "charge_succeed", succeed_or_fail)
    with capture_logs() as logs:
        assert accept_charges_recover() == {"error": 1, "succeeded": 2}
    assert Charge.objects.get(pk=first.pk).status == "pending"  # left for the next run
    assert {c.status for c in Charge.objects.filter(pk__in=[second.pk, third.pk])} == {"succeeded"}
    [failure] = [entry for entry in logs if entry["log_level"] == "error"]
    assert failure["pk"] == first.pk and failure["model"] == "billing.Charge"

    monkeypatch.setattr(billing, "charge_succeed", real_succeed)
    assert accept_charges_recover() == {"succeeded": 1}
    assert Lead.objects.filter(status="accepted").count() == 3
    assert LedgerEntry.objects.filter(kind="charge").count() == 3


def test_a_provider_outage_while_looking_a_charge_up_is_retried_and_does_not_stop_the_run(stale_charges, monkeypatch):
    closed, open_ = stale_charges(2)
    Lead.objects.filter(pk=closed.lead_id).update(status="withdrawn")  # recovery asks find()

    def find_unavailable(self, *, idempotency_key):
        raise ProviderUnavailable("search is down")

    monkeypatch.setattr(LocalGateway, "find", find_unavailable)
    assert accept_charges_recover() == {"retry": 1, "succeeded": 1}
    assert Charge.objects.get(pk=closed.pk).status == "pending"
    assert Charge.objects.get(pk=open_.pk).status == "succeeded"


def test_a_refund_whose_completion_raises_does_not_block_the_later_ones(marketplace, monkeypatch):
    refunds = []
    for minutes_ago in (9, 8):
        charge = ChargeFactory(marketplace=marketplace, gateway="local")
        paid = LocalGateway().charge(
            ChargeRequest(
                amount=charge.amount,
                currency=charge.currency,
                payment_method="pm_card_visa",
                customer="",
                idempotency_key=charge.idempotency_key,
                description="",
            )
        )
        Charge.objects.filter(pk=charge.pk).update(gateway_reference=paid.reference)
        refund = Refund.objects.create(
            marketplace=marketplace,
            charge=charge,
            pro=charge.pro,
            lead=charge.lead,
            amount=charge.amount,
            currency=charge.currency,
            idempotency_key=f"test-refund-{charge.pk}",
            gateway="local",
        )
        Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
        refunds.append(refund)
    real_complete = disputes.refund_complete

    def complete_or_fail(*, refund_id, reference):
        if refund_id == refunds[0].pk:
            raise DatabaseError("deadlock detected")
        return real_complete(refund_id=refund_id, reference=reference)

    monkeypatch.setattr(disputes, "refund_complete", complete_or_fail)
    assert disputes.refunds_recover() == {"error": 1, "succeeded": 1}
    assert [Refund.objects.get(pk=r.pk).status for r in refunds] == ["pending", "succeeded"]

    monkeypatch.setattr(disputes, "refund_complete", real_complete)
    assert disputes.refunds_recover() == {"succeeded": 1}
